namespace CemCore.Recommendations;

/// <summary>A binary min-heap of doubles kept in a caller's buffer: used to find the K-th largest value of a stream in O(n log K).</summary>
internal static class MinHeap
{
    /// <summary>Adds <paramref name="value"/> at position <paramref name="at"/> (the current size) and restores the heap.</summary>
    public static void Push(Span<double> heap, int at, double value)
    {
        heap[at] = value;
        while (at > 0)
        {
            var parent = (at - 1) / 2;
            if (heap[parent] <= heap[at])
            {
                return;
            }

            (heap[parent], heap[at]) = (heap[at], heap[parent]);
            at = parent;
        }
    }

    /// <summary>Keeps the K largest values: replaces the minimum by <paramref name="value"/> when it is larger.</summary>
    public static void Offer(Span<double> heap, int size, double value)
    {
        if (value <= heap[0])
        {
            return;
        }

        heap[0] = value;
        var at = 0;
        while (true)
        {
            var least = at;
            var l = (2 * at) + 1;
            var r = l + 1;
            if (l < size && heap[l] < heap[least])
            {
                least = l;
            }

            if (r < size && heap[r] < heap[least])
            {
                least = r;
            }

            if (least == at)
            {
                return;
            }

            (heap[least], heap[at]) = (heap[at], heap[least]);
            at = least;
        }
    }
}
