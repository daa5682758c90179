using static TorchSharp.torch;

namespace Inspection.Engine.PatchCore;

/// <summary>
/// The k nearest bank vectors of every bank vector (itself first), i.e. N_b(m) of PatchCore's Eq. 7 for every possible
/// m*. The single-process engine finds N_b(m*) on the fly; a sharded bank cannot, so the table is computed once per
/// model and handed to the scorers.
/// </summary>
public static class BankNeighbours
{
    /// <returns>[N * k] global bank indices, row-major.</returns>
    public static int[] Compute(NearestNeighbourSearch bank, int k, int chunk = 4096)
    {
        k = (int)Math.Min(k, bank.BankSize);
        var result = new int[bank.BankSize * k];
        for (long start = 0; start < bank.BankSize; start += chunk)
        {
            using var scope = NewDisposeScope();
            long length = Math.Min(chunk, bank.BankSize - start);
            var (_, indices) = bank.Search(bank.Bank.narrow(0, start, length), k);
            var host = indices.cpu().to(ScalarType.Int32).data<int>().ToArray();
            host.CopyTo(result, start * k);
        }
        return result;
    }
}
