namespace CemCore.Churn;

/// <summary>The row-major scoring paths (tests force each one that the hardware has).</summary>
internal enum RowMajorPath
{
    /// <summary>The scalar reference.</summary>
    Scalar,

    /// <summary>Portable Vector256 (one row at a time, σ per block).</summary>
    Portable,

    /// <summary>AVX2/FMA streaming kernel, four rows per step.</summary>
    Vector256,

    /// <summary>AVX-512 streaming kernel, eight rows per step.</summary>
    Vector512,

    /// <summary>AVX2/FMA kernel for k = 9 without wasted lanes: four rows = nine dense vectors (issue 17).</summary>
    Vector256Block,

    /// <summary>AVX-512 kernel for k = 9 without wasted lanes: eight rows = nine dense vectors (issue 17).</summary>
    Vector512Block,

    /// <summary>Vector128 kernel for any k without wasted lanes: two rows = k dense vectors; plain multiplies and adds (issue 17: the path where Vector256 is not accelerated).</summary>
    Vector128,
}
