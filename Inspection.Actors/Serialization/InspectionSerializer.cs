using Akka.Actor;
using Akka.Serialization;

namespace Inspection.Actors.Serialization;

/// <summary>
/// Binary serializer for every Inspection message, remote and journalled: short manifests, and feature blocks written
/// as one raw byte copy with their shape in front (JSON or Hyperion would spend more time than the network on a
/// 1.5 MB block of floats). One wire format, <see cref="TaggedFormat"/>: numbered fields, so a later build can add
/// fields that earlier ones skip.
/// </summary>
public sealed class InspectionSerializer : SerializerWithStringManifest
{
    public const int Id = 1730;
    public override int Identifier => Id;

    private readonly ExtendedActorSystem _system;
    private readonly TaggedFormat _tagged;
    private string? _node; // this system's address, once remoting has one

    public InspectionSerializer(ExtendedActorSystem system) : base(system)
    {
        _system = system;
        _tagged = new TaggedFormat(system);
    }

    /// <summary>The message types this serializer owns (for the binding configuration).</summary>
    public static IEnumerable<Type> MessageTypes => TaggedFormat.MessageTypes;

    /// <summary>The same binding as HOCON, for ActorSystems built without Akka.Hosting (TestKit).</summary>
    public static string Hocon =>
        $$"""
        akka.actor.serializers.inspection = "{{typeof(InspectionSerializer).FullName}}, {{typeof(InspectionSerializer).Assembly.GetName().Name}}"
        akka.actor.serialization-bindings {
        {{string.Join("\n", MessageTypes.Select(t => $"  \"{t.FullName}, {t.Assembly.GetName().Name}\" = inspection"))}}
        }
        """;

    /// <summary>The message's manifest in <see cref="TaggedFormat"/>'s table (e.g. "QN/2").</summary>
    public override string Manifest(object o) => TaggedFormat.Manifest(o);

    public override byte[] ToBinary(object obj)
    {
        var bytes = _tagged.Write(obj);
        _node ??= _system.Provider.DefaultAddress?.ToString();
        Diagnostics.PipelineMetrics.SerializedBytes.Add(bytes.Length, new KeyValuePair<string, object?>("message", obj.GetType().Name),
            new KeyValuePair<string, object?>("node", _node ?? ""));
        return bytes;
    }

    /// <summary>Reads a message; a manifest of wire version 1 (no "/2" suffix) is refused with a <see cref="SerializationException"/>.</summary>
    public override object FromBinary(byte[] bytes, string manifest) => _tagged.Read(manifest, bytes);
}
