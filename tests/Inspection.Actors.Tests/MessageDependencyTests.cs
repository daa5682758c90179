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
    public void The_names_messages_use_are_the_engines()
    {
        Assert.Equal(Inspection.Engine.PatchCore.ComputePrecision.Float32, FeatureFormats.Float32);
        Assert.Equal(Inspection.Engine.Backbones.BackboneFactory.ResNet18, FeatureFormats.ResNet18);
    }
}
