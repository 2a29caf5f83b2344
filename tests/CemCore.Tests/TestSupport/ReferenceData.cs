namespace CemCore.Tests.TestSupport;

/// <summary>
/// Access to the shared CLV reference data sets (CDNOW, grocery, donations). They are never copied into the repo:
/// tests read them through the CEMCORE_REFERENCE_DATA environment variable, which .ci/run sets to ../shared/data.
/// </summary>
public static class ReferenceData
{
    public const string Variable = "CEMCORE_REFERENCE_DATA";

    /// <summary>
    /// Gets the reference-data folder, or null when the variable is unset. A relative value (README: <c>../shared/data</c>) is
    /// resolved against the repository root (the folder holding CemCore.sln), not against the test binary's folder.
    /// </summary>
    public static string? Root
    {
        get
        {
            var root = Environment.GetEnvironmentVariable(Variable);
            if (string.IsNullOrWhiteSpace(root))
            {
                return null;
            }

            return Path.IsPathRooted(root) ? Path.GetFullPath(root) : Path.GetFullPath(Path.Combine(RepositoryRoot, root));
        }
    }

    /// <summary>Gets the repository root: the nearest folder above the test binary that holds CemCore.sln.</summary>
    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "CemCore.sln")))
                {
                    return dir.FullName;
                }
            }

            return Directory.GetCurrentDirectory();
        }
    }

    /// <summary>Returns the full path of a reference file; throws when the variable is set but the file is missing.</summary>
    public static string PathOf(params string[] parts)
    {
        var root = Root ?? throw new InvalidOperationException($"{Variable} is not set.");
        var path = Path.Combine([root, .. parts]);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"Reference file missing: {path} ({Variable}={Environment.GetEnvironmentVariable(Variable)}, resolved to {root}).", path);
    }

    /// <summary>The skip reason when the data is not available.</summary>
    public const string SkipReason = "Set CEMCORE_REFERENCE_DATA to the shared/data folder (see README) to run reference-data tests.";
}

/// <summary>A fact that runs only when CEMCORE_REFERENCE_DATA is set; otherwise it is skipped with a clear reason.</summary>
public sealed class ReferenceDataFactAttribute : FactAttribute
{
    public ReferenceDataFactAttribute()
    {
        if (ReferenceData.Root is null)
        {
            Skip = ReferenceData.SkipReason;
        }
    }
}

/// <summary>A theory that runs only when CEMCORE_REFERENCE_DATA is set.</summary>
public sealed class ReferenceDataTheoryAttribute : TheoryAttribute
{
    public ReferenceDataTheoryAttribute()
    {
        if (ReferenceData.Root is null)
        {
            Skip = ReferenceData.SkipReason;
        }
    }
}
