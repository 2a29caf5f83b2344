using System.Buffers;

namespace CemCore.Primitives;

/// <summary>Helpers for arrays rented from <see cref="ArrayPool{T}.Shared"/> (issue 17: short-lived working arrays of the CSV reader).</summary>
internal static class PooledArrays
{
    /// <summary>Replaces a rented array by a larger rented one holding its first <paramref name="used"/> items, and returns the old one.</summary>
    public static void Regrow<T>(ref T[] array, int used, int length)
    {
        var larger = ArrayPool<T>.Shared.Rent(length);
        Array.Copy(array, larger, used);
        ArrayPool<T>.Shared.Return(array);
        array = larger;
    }
}
