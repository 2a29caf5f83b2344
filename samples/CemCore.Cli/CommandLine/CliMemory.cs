using System.Globalization;
using System.Runtime.InteropServices;

namespace CemCore.Cli.CommandLine;

/// <summary>
/// Start-up memory advice for one-shot runs (issue #17, benchmarks/results/ColdStart.md): on Linux with transparent huge pages in
/// <c>madvise</c> mode (the common distribution default), the managed heap's address range is marked <c>MADV_HUGEPAGE</c>, so that the
/// first touch of the column arrays of a large table maps 2 MB pages instead of faulting in 512 separate 4 KB pages. A one-shot command on
/// 1M rows otherwise takes ~50,000 first-touch page faults, which cost 0.35–0.5 s of system time on a virtual machine. Nothing is
/// allocated or pinned beyond a probe object; the advice only changes how pages the process touches anyway are backed.
/// <c>CEMCORE_CLI_HUGEPAGES=0</c> turns it off; other operating systems and THP modes (<c>always</c>: already huge pages;
/// <c>never</c>: none allowed) are left alone.
/// </summary>
internal static class CliMemory
{
    private const int MadviseHugePage = 14; // MADV_HUGEPAGE, linux/mman-common.h

    /// <summary>Marks the managed heap's reserved range for transparent huge pages when that helps; never throws.</summary>
    public static void AdviseHugePages()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("CEMCORE_CLI_HUGEPAGES") == "0")
        {
            return;
        }

        try
        {
            if (!File.ReadAllText("/sys/kernel/mm/transparent_hugepage/enabled").Contains("[madvise]", StringComparison.Ordinal))
            {
                return;
            }

            var (start, end) = HeapRange();
            if (end > start)
            {
                _ = NativeMethods.madvise((nint)start, (nuint)(end - start), MadviseHugePage);
            }
        }
        catch (IOException)
        {
            // No /sys or /proc (a container without them): keep the default 4 KB pages.
        }
        catch (UnauthorizedAccessException)
        {
        }
        catch (DllNotFoundException)
        {
            // A C library under another name (e.g. musl): keep the default pages rather than fail the command.
        }
        catch (EntryPointNotFoundException)
        {
        }
    }

    /// <summary>
    /// Allocation budget of the no-GC region a command runs in (<see cref="TryStartNoGcRegion"/>): enough for the ~170–200 MB that
    /// <c>rfm</c> and <c>features</c> allocate on 1M rows.
    /// </summary>
    public const long NoGcBudgetBytes = 256L << 20;

    /// <summary>
    /// Starts a no-GC region of <see cref="NoGcBudgetBytes"/> for the command (issue #17): a one-shot command allocates its table once
    /// and exits, so collections during it (each of which, on a loaded machine, waits for the GC's threads to be scheduled) buy nothing.
    /// The runtime commits the budget up front (address space, not resident memory: pages are backed when first touched). A command that
    /// allocates more simply leaves the region at its first collection and continues with the ordinary GC. <c>CEMCORE_CLI_NOGC=0</c>
    /// turns it off. Returns whether a region was started; never throws.
    /// </summary>
    public static bool TryStartNoGcRegion()
    {
        if (Environment.GetEnvironmentVariable("CEMCORE_CLI_NOGC") == "0")
        {
            return false;
        }

        try
        {
            return GC.TryStartNoGCRegion(NoGcBudgetBytes);
        }
        catch (ArgumentOutOfRangeException)
        {
            return false; // more than this GC configuration allows in one region
        }
        catch (InvalidOperationException)
        {
            return false; // already in a region
        }
    }

    /// <summary>Ends the region <see cref="TryStartNoGcRegion"/> started, if the command did not already leave it by a collection.</summary>
    public static void EndNoGcRegion(bool started)
    {
        if (!started || System.Runtime.GCSettings.LatencyMode != System.Runtime.GCLatencyMode.NoGCRegion)
        {
            return;
        }

        try
        {
            GC.EndNoGCRegion();
        }
        catch (InvalidOperationException)
        {
            // The region ended by a collection in the meantime.
        }
    }

    /// <summary>
    /// The run of adjacent anonymous mappings around a freshly allocated object: the GC's reservation (committed and reserved parts are
    /// separate mappings with different protections, one address range).
    /// </summary>
    private static (ulong Start, ulong End) HeapRange()
    {
        var probe = new byte[64];
        var handle = GCHandle.Alloc(probe, GCHandleType.Pinned);
        ulong address;
        try
        {
            address = (ulong)handle.AddrOfPinnedObject();
        }
        finally
        {
            handle.Free();
        }

        // Runs of adjacent anonymous mappings, in address order; the answer is the run holding the probe. (No generic collection over
        // a tuple here: that would be JIT-compiled at every start, see CliCsvWriter.)
        ulong runStart = 0, runEnd = 0;
        var found = false;
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            // "start-end perms offset dev inode [path]": anonymous mappings have inode 0 and no path.
            var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            var dash = fields[0].IndexOf('-', StringComparison.Ordinal);
            var start = ulong.Parse(fields[0].AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var end = ulong.Parse(fields[0].AsSpan(dash + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var anonymous = fields.Length == 5 && fields[4] == "0";
            if (anonymous && start == runEnd && runEnd != 0)
            {
                runEnd = end;
            }
            else if (found)
            {
                break;
            }
            else if (anonymous)
            {
                (runStart, runEnd) = (start, end);
            }
            else
            {
                (runStart, runEnd) = (0, 0);
            }

            found |= anonymous && start <= address && address < end;
        }

        GC.KeepAlive(probe);
        return found ? (runStart, runEnd) : (0, 0);
    }

    private static class NativeMethods
    {
        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
#pragma warning disable SA1300, IDE1006 // the C function's name
        public static extern int madvise(nint address, nuint length, int advice);
#pragma warning restore SA1300, IDE1006
    }
}
