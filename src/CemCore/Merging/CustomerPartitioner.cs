using System.Text;
using CemCore.Transactions;

namespace CemCore.Merging;

/// <summary>
/// The stable customer → partition hash of partitioned runs: the 64-bit FNV-1a hash of the id's UTF-8 bytes, modulo the number of
/// partitions. It depends on nothing but the id (not on the process, the platform or .NET's randomized string hashing), so every
/// machine of a cluster puts a customer into the same partition.
/// </summary>
public static class CustomerPartitioner
{
    /// <summary>The largest supported number of partitions (65,536).</summary>
    public const int MaxPartitions = 65_536;

    /// <summary>Returns the partition of a customer.</summary>
    /// <param name="customerId">The customer's CRM id.</param>
    /// <param name="partitions">The number of partitions (1 … <see cref="MaxPartitions"/>).</param>
    /// <returns>The partition in [0, <paramref name="partitions"/>).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="partitions"/> is out of range.</exception>
    public static int PartitionOf(string customerId, int partitions)
    {
        ArgumentNullException.ThrowIfNull(customerId);
        CheckPartitions(partitions);
        return (int)(Hash(customerId) % (ulong)partitions);
    }

    /// <summary>
    /// Splits a transaction table by customer into <paramref name="partitions"/> tables (<see cref="PartitionOf"/>). Each keeps its rows in
    /// the input's order, its customers in first-appearance order, and the input's category and channel lists.
    /// </summary>
    /// <param name="table">The table.</param>
    /// <param name="partitions">The number of partitions (1 … <see cref="MaxPartitions"/>).</param>
    /// <returns>One table per partition (possibly empty).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="partitions"/> is out of range.</exception>
    public static IReadOnlyList<TransactionTable> Split(TransactionTable table, int partitions)
    {
        ArgumentNullException.ThrowIfNull(table);
        CheckPartitions(partitions);
        var ids = table.CustomerIds;
        var partOf = new int[ids.Count];
        for (var c = 0; c < partOf.Length; c++)
        {
            partOf[c] = (int)(Hash(ids[c]) % (ulong)partitions);
        }

        var result = new TransactionTable[partitions];
        for (var p = 0; p < partitions; p++)
        {
            result[p] = table.Subset(partOf, p);
        }

        return result;
    }

    private static void CheckPartitions(int partitions)
    {
        if (partitions is < 1 or > MaxPartitions)
        {
            throw new ArgumentOutOfRangeException(nameof(partitions), partitions, $"partitions must be in [1, {MaxPartitions}] but was {partitions}.");
        }
    }

    private static ulong Hash(string id)
    {
        var hash = 14695981039346656037UL;
        Span<byte> buffer = stackalloc byte[256];
        var bytes = Encoding.UTF8.GetMaxByteCount(id.Length) <= buffer.Length ? buffer[..Encoding.UTF8.GetBytes(id, buffer)] : Encoding.UTF8.GetBytes(id);
        foreach (var b in bytes)
        {
            hash = unchecked((hash ^ b) * 1099511628211UL);
        }

        return hash;
    }
}
