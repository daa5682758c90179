namespace Inspection.Actors.Plc;

/// <summary>
/// The PLC handshake's holding registers (README, "PLC handshake"): one block of <see cref="Block"/> registers per
/// camera, camera k's block starting at k x <see cref="Block"/>. The PLC writes <see cref="Trigger"/>,
/// <see cref="PartHigh"/>/<see cref="PartLow"/> and <see cref="Ack"/>; the server writes the rest.
/// </summary>
public static class PlcRegisterMap
{
    public const int Block = 16;

    /// <summary>PLC: write 1 when a part is in front of the camera; the server sets it back to 0 once it has taken (or refused) the trigger.</summary>
    public const int Trigger = 0;
    /// <summary>PLC: the part's id, 32 bits, high word first; 0 lets the server assign one (top bit set).</summary>
    public const int PartHigh = 1, PartLow = 2;
    /// <summary>Server: <see cref="Busy"/>, <see cref="ResultReady"/>, <see cref="CameraConnected"/> bits.</summary>
    public const int Status = 3;
    /// <summary>Server: the verdict (<see cref="PlcVerdict"/>).</summary>
    public const int Verdict = 4;
    /// <summary>Server: why the verdict is what it is (<see cref="PlcResultCode"/>).</summary>
    public const int ResultCode = 5;
    /// <summary>Server: the id of the part the verdict is for, high word first.</summary>
    public const int ResultPartHigh = 6, ResultPartLow = 7;
    /// <summary>Server: the normalised score x 1000 (500 is the line's threshold; 0 when there is no score).</summary>
    public const int Score = 8;
    /// <summary>Server: counts up once a second while the server runs.</summary>
    public const int Heartbeat = 9;
    /// <summary>PLC: write 1 once the verdict is read; the server clears <see cref="ResultReady"/> and this register.</summary>
    public const int Ack = 10;
    /// <summary>Server: counters, each modulo 65536: parts triggered, timeout verdicts, triggers refused while busy, results that came after their deadline.</summary>
    public const int Parts = 11, Timeouts = 12, Refused = 13, Late = 14;
    /// <summary>Server: verdicts waiting for the PLC's ack, the one shown included (0: none).</summary>
    public const int Queued = 15;

    /// <summary><see cref="Status"/> bits.</summary>
    public const ushort Busy = 1, ResultReady = 2, CameraConnected = 4;
}

/// <summary>The <see cref="PlcRegisterMap.Verdict"/> register's values.</summary>
public enum PlcVerdict : ushort
{
    None = 0,
    Ok = 1,
    Ng = 2,
    /// <summary>Hold the part for a person: no verdict was reached (a timeout or a failure whose meaning is hold).</summary>
    Hold = 3,
}

/// <summary>The <see cref="PlcRegisterMap.ResultCode"/> register's values.</summary>
public enum PlcResultCode : ushort
{
    /// <summary>The part was inspected: the verdict is the model's.</summary>
    Inspected = 0,
    /// <summary>No verdict by the line's deadline.</summary>
    Timeout = 1,
    /// <summary>The part's frame could not be scored (a corrupt frame, no model, a failed node).</summary>
    Failed = 2,
    /// <summary>The part got no frame (the camera is away, or its frame was dropped).</summary>
    NoFrame = 3,
}
