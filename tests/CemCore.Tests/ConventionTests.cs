using System.Reflection;
using CemCore.Features;

namespace CemCore.Tests;

/// <summary>
/// Conventions enforced by reflection over CemCore's public types (after NodaTime's MutabilityTest/ConsistencyTest):
/// classes sealed or abstract (or static), no public setters outside options and builders, public structs readonly,
/// IEquatable types have ==.
/// </summary>
public sealed class ConventionTests
{
    private static readonly Type[] s_publicTypes = typeof(FeatureExtractor).Assembly.GetExportedTypes();

    [Fact]
    public void PublicClasses_AreSealedOrAbstractOrStatic()
    {
        var offenders = s_publicTypes
            .Where(t => t.IsClass && !t.IsSealed && !t.IsAbstract && !typeof(Delegate).IsAssignableFrom(t))
            .Select(t => t.FullName)
            .ToList();
        Assert.True(offenders.Count == 0, "Not sealed: " + string.Join(", ", offenders));
    }

    [Fact]
    public void PublicSetters_OnlyOnOptionsAndBuilders()
    {
        var offenders = s_publicTypes
            .Where(t => !t.Name.EndsWith("Options", StringComparison.Ordinal) && !t.Name.EndsWith("Builder", StringComparison.Ordinal))
            .SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                .Where(p => p.SetMethod is { IsPublic: true } setter && !IsInitOnly(setter))
                .Select(p => $"{t.FullName}.{p.Name}"))
            .ToList();
        Assert.True(offenders.Count == 0, "Public setters: " + string.Join(", ", offenders));
    }

    [Fact]
    public void PublicStructs_AreReadOnly()
    {
        var offenders = s_publicTypes
            .Where(t => t.IsValueType && !t.IsEnum && !t.IsDefined(typeof(System.Runtime.CompilerServices.IsReadOnlyAttribute), false)
                && !t.IsByRefLike)
            .Select(t => t.FullName)
            .ToList();
        Assert.True(offenders.Count == 0, "Mutable structs: " + string.Join(", ", offenders));
    }

    [Fact]
    public void EquatableTypes_HaveEqualityOperator()
    {
        var offenders = s_publicTypes
            .Where(t => t.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEquatable<>) && i.GenericTypeArguments[0] == t))
            .Where(t => t.GetMethod("op_Equality", BindingFlags.Public | BindingFlags.Static, [t, t]) is null)
            .Select(t => t.FullName)
            .ToList();
        Assert.True(offenders.Count == 0, "IEquatable without ==: " + string.Join(", ", offenders));
    }

    private static bool IsInitOnly(MethodInfo setter) =>
        setter.ReturnParameter.GetRequiredCustomModifiers().Any(m => m.FullName == "System.Runtime.CompilerServices.IsExternalInit");
}
