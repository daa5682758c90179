using static TorchSharp.torch;

namespace Inspection.Engine.Search;

/// <summary>
/// Exact k-nearest-neighbour search of query vectors in a memory bank by chunked matrix products
/// (<c>sqrt(clamp(|x|^2 - 2xy + |y|^2, 0))</c>, ranked on <c>|y|^2 - 2xy</c>). The bank is split into chunks so that the distance block never exceeds
/// a memory budget; per-chunk top-k lists are merged, so results equal a search over the whole bank at once.
/// </summary>
public sealed class NearestNeighbourSearch : IDisposable
{
    private readonly Tensor _bank;
    private readonly Tensor _bankSquaredNorms;
    private readonly long _budgetElements;

    /// <summary>Default size of one distance block: 64 M floats (256 MB in fp32).</summary>
    public const long DefaultBudgetBytes = 256L << 20;

    /// <param name="bank">[N, D] on the device where the search runs; this object takes a reference, not ownership.</param>
    /// <param name="dtype">Number format of the matrix products (the bank is converted once); norms and sums stay float32.</param>
    /// <param name="pruned">Allow the CPU's pruned 1-NN search (<see cref="PartialDistanceNearestNeighbour"/>), which keeps a
    /// rotated copy of the bank in memory; off for memory-mapped banks.</param>
    public NearestNeighbourSearch(Tensor bank, long budgetBytes = DefaultBudgetBytes, ScalarType dtype = ScalarType.Float32, bool pruned = true)
    {
        if (bank.dim() != 2 || bank.shape[0] == 0)
            throw new ArgumentException("The memory bank must be a non-empty [N, D] tensor.");
        // This object owns these tensors until Dispose: they must outlive any dispose scope open around its creation.
        _bank = bank.alias().DetachFromDisposeScope();
        _productBank = (dtype == bank.dtype ? bank.alias() : bank.to(dtype)).DetachFromDisposeScope();
        _bankSquaredNorms = SquaredNorms(bank).DetachFromDisposeScope();
        // Budget counts the float32 distance block.
        _budgetElements = Math.Max(1, budgetBytes / 4);
        if (pruned && dtype == ScalarType.Float32) _pruned = PartialDistanceNearestNeighbour.TryCreate(bank, budgetBytes);
    }

    private readonly PartialDistanceNearestNeighbour? _pruned;

    /// <summary>Whether 1-NN queries take the pruned CPU path (a bank with most of its variance on a few axes).</summary>
    public bool IsPruned => _pruned is not null;

    private readonly Tensor _productBank;

    /// <summary>
    /// A search over a bank stored as raw little-endian float32 rows in a file, memory-mapped rather than loaded: the
    /// operating system pages it in chunk by chunk, so banks larger than memory can be searched on the CPU.
    /// </summary>
    public static NearestNeighbourSearch FromFile(string path, long rows, int dims, long budgetBytes = DefaultBudgetBytes)
    {
        long expected = rows * dims * 4L;
        long actual = new FileInfo(path).Length;
        if (actual != expected) throw new InvalidDataException($"Bank file '{path}' has {actual} bytes; {rows} x {dims} float32 needs {expected}.");
        using var flat = from_file(path, shared: false, size: rows * dims, dtype: ScalarType.Float32);
        using var bank = flat.view(rows, dims);
        return new NearestNeighbourSearch(bank, budgetBytes, pruned: false);
    }

    /// <summary>Row norms computed a block at a time, so a mapped bank is never copied whole.</summary>
    private static Tensor SquaredNorms(Tensor bank)
    {
        const long block = 65_536;
        var norms = empty(bank.shape[0], dtype: ScalarType.Float32, device: bank.device);
        for (long start = 0; start < bank.shape[0]; start += block)
        {
            using var scope = NewDisposeScope();
            var rows = bank.narrow(0, start, Math.Min(block, bank.shape[0] - start)).to(ScalarType.Float32);
            norms.narrow(0, start, rows.shape[0]).copy_(rows.pow(2).sum(1));
        }
        return norms;
    }

    public long BankSize => _bank.shape[0];
    /// <summary>Largest distance block, in bytes (float32).</summary>
    public long BudgetBytes => _budgetElements * 4;
    /// <summary>Number format of the matrix products (float32 unless the search was made in reduced precision).</summary>
    public ScalarType ProductType => _productBank.dtype;
    public Tensor Bank => _bank;

    /// <summary>Distances [M, k] (ascending) and bank indices [M, k] of the k nearest bank vectors of each query.</summary>
    public (Tensor Distances, Tensor Indices) Search(Tensor queries, int k)
    {
        if (k < 1 || k > BankSize) throw new ArgumentOutOfRangeException(nameof(k), $"k must be within 1..{BankSize}.");
        if (k == 1 && _pruned is not null) return _pruned.Search(queries);
        long m = queries.shape[0];
        long n = BankSize;
        // In reduced precision the products only nominate candidates; their exact float32 distances decide.
        bool rerank = _productBank.dtype != ScalarType.Float32;
        int candidates = rerank ? (int)Math.Min(n, Math.Max(k, RerankCandidates)) : k;
        // Queries per block and bank rows per block so that a block stays within the budget.
        long queryChunk = Math.Min(m, Math.Max(1, _budgetElements / Math.Min(n, 65536)));
        long bankChunk = Math.Max(candidates, Math.Min(n, _budgetElements / queryChunk));

        var distances = new List<Tensor>();
        var indices = new List<Tensor>();
        for (long q0 = 0; q0 < m; q0 += queryChunk)
        {
            using var queryScope = NewDisposeScope();
            var q = queries.narrow(0, q0, Math.Min(queryChunk, m - q0)).to(ScalarType.Float32);
            var qNorms = q.pow(2).sum(1, keepdim: true);
            var qProduct = q.to(_productBank.dtype);
            // Ranked by |y|^2 - 2xy: |x|^2 is the same for every bank row, so it is added once after the search. In
            // float32 that block is one fused product (addmm), with no further passes over it before the min.
            Tensor? bestD = null, bestI = null;
            for (long b0 = 0; b0 < n; b0 += bankChunk)
            {
                using var chunkScope = NewDisposeScope();
                long len = Math.Min(bankChunk, n - b0);
                var bankNorms = _bankSquaredNorms.narrow(0, b0, len).unsqueeze(0);
                var partial = _productBank.dtype == ScalarType.Float32
                    ? addmm(bankNorms, q, _productBank.narrow(0, b0, len).t(), beta: 1, alpha: -2)
                    : bankNorms - 2 * qProduct.matmul(_productBank.narrow(0, b0, len).t()).to(ScalarType.Float32);
                var (d, i) = candidates == 1 ? MinOf(partial) : partial.topk(Math.Min(candidates, (int)len), dim: 1, largest: false);
                i = i + b0;
                if (bestD is null)
                {
                    bestD = d; bestI = i;
                }
                else if (candidates == 1)
                {
                    // Ties keep the earlier chunk (lower index), as one search over the whole bank would.
                    var better = d < bestD;
                    bestD = where(better, d, bestD);
                    bestI = where(better, i, bestI!);
                }
                else
                {
                    var allD = cat([bestD, d], 1);
                    var allI = cat([bestI!, i], 1);
                    var (md, order) = allD.topk(candidates, dim: 1, largest: false);
                    bestD = md; bestI = allI.gather(1, order);
                }
                bestD.MoveToOuterDisposeScope();
                bestI!.MoveToOuterDisposeScope();
            }
            bestD = bestD! + qNorms;
            if (rerank)
            {
                var rows = _bank.index_select(0, bestI!.flatten()).reshape(bestI!.shape[0], candidates, -1).to(ScalarType.Float32);
                var exact = (rows - q.unsqueeze(1)).pow(2).sum(2);
                var (ed, order) = exact.topk(k, dim: 1, largest: false);
                bestD = ed;
                bestI = bestI!.gather(1, order);
            }
            distances.Add(bestD!.clamp_min(0).sqrt_().MoveToOuterDisposeScope());
            indices.Add(bestI!.MoveToOuterDisposeScope());
        }
        if (distances.Count == 1) return (distances[0], indices[0]);
        var result = (cat(distances, 0), cat(indices, 0));
        foreach (var t in distances.Concat(indices)) t.Dispose();
        return result;
    }

    /// <summary>Candidates per query re-ranked exactly when products run in bf16/fp16.</summary>
    public const int RerankCandidates = 16;

    private static (Tensor, Tensor) MinOf(Tensor squared)
    {
        var (values, index) = squared.min(1, keepdim: true);
        return (values, index);
    }

    public void Dispose()
    {
        _pruned?.Dispose();
        _bank.Dispose();
        _productBank.Dispose();
        _bankSquaredNorms.Dispose();
    }
}
