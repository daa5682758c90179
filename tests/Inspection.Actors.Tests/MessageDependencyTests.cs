using System.Reflection;
using Inspection.Actors.Messages;
using Xunit;

namespace Inspection.Actors.Tests;

/// <summary>Messages are plain data: nothing of theirs names a TorchSharp or engine type, so they can be read anywhere.</summary>
public sealed class MessageDependencyTests
{
    private static readonly Assembly[] Forbidden = [typeof(TorchSharp.torch).Assembly, typeof(Inspection.Engine.PatchCore.ComputePrecision).Assembly];

    private static IEnumerable<Type> Referenced(Type type)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (var f in type.GetFields(all)) yield return f.FieldType;
        foreach (var p in type.GetProperties(all)) yield return p.PropertyType;
        foreach (var m in type.GetMethods(all))
        {
            yield return m.ReturnType;
            foreach (var a in m.GetParameters()) yield return a.ParameterType;
        }
        foreach (var c in type.GetConstructors(all))
            foreach (var a in c.GetParameters()) yield return a.ParameterType;
        if (type.BaseType != null) yield return type.BaseType;
        foreach (var i in type.GetInterfaces()) yield return i;
    }

    private static IEnumerable<Type> Expanded(Type type) =>
        type.HasElementType ? Expanded(type.GetElementType()!)
        : type.IsGenericType ? type.GetGenericArguments().SelectMany(Expanded).Append(type.GetGenericTypeDefinition())
        : [type];

    [Fact]
    public void No_message_type_references_TorchSharp_or_the_engine()
    {
        var messages = typeof(FeatureBlock).Assembly.GetTypes().Where(t => t.Namespace == typeof(FeatureBlock).Namespace).ToList();
        Assert.Contains(typeof(ModelDeployment), messages);
        var offending = messages.SelectMany(t => Referenced(t).SelectMany(Expanded).Where(r => Forbidden.Contains(r.Assembly)).Select(r => $"{t.Name} -> {r.FullName}"))
            .Distinct().ToList();
        Assert.True(offending.Count == 0, "messages reference engine or TorchSharp types:\n" + string.Join("\n", offending));
    }

    [Fact]
    public void Every_message_is_one_of_command_event_query_or_answer_and_lives_in_Messages()
    {
        Type[] kinds = [typeof(ICommand), typeof(IEvent), typeof(IQuery), typeof(IAnswer)];
        Type[] values = [typeof(FrameId), typeof(FeatureBlock)]; // carried by messages, and serialised alone as well
        var wrong = Inspection.Actors.Serialization.InspectionSerializer.MessageTypes.Except(values)
            .Select(t => (t, Kinds: kinds.Where(k => k.IsAssignableFrom(t)).ToList()))
            .Where(x => x.Kinds.Count != 1)
            .Select(x => $"{x.t.Name}: {(x.Kinds.Count == 0 ? "no kind" : string.Join(" and ", x.Kinds.Select(k => k.Name)))}").ToList();
        Assert.True(wrong.Count == 0, "messages must be exactly one kind:\n" + string.Join("\n", wrong));
        var elsewhere = Inspection.Actors.Serialization.InspectionSerializer.MessageTypes.Where(t => t.Namespace != typeof(FeatureBlock).Namespace).Select(t => t.FullName).ToList();
        Assert.True(elsewhere.Count == 0, "message types outside Inspection.Actors.Messages: " + string.Join(", ", elsewhere));
    }

    [Fact]
    public void The_names_messages_use_are_the_engines()
    {
        Assert.Equal(Inspection.Engine.PatchCore.ComputePrecision.Float32, FeatureFormats.Float32);
        Assert.Equal(Inspection.Engine.Backbones.BackboneFactory.ResNet18, FeatureFormats.ResNet18);
    }
}
