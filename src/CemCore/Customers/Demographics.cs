namespace CemCore.Customers;

/// <summary>A customer's gender as recorded by the CRM.</summary>
public enum Gender
{
    /// <summary>Not recorded. The default value.</summary>
    Unspecified = 0,

    /// <summary>Female.</summary>
    Female = 1,

    /// <summary>Male.</summary>
    Male = 2,

    /// <summary>Another gender, or the customer declined to say.</summary>
    Other = 3,
}

/// <summary>
/// Who a customer is: the demographic and geographic fields used by rule-based segments.
/// Every field is optional; an absent field never matches a condition on it.
/// </summary>
/// <param name="BirthDate">Date of birth, when known. Preferred over <paramref name="AgeBand"/> for age conditions.</param>
/// <param name="AgeBand">An age band such as <c>"25-34"</c>, when only a band is known.</param>
/// <param name="Gender">Gender.</param>
/// <param name="Region">Region or province (free text).</param>
/// <param name="City">City (free text).</param>
/// <param name="CityTier">City tier (1 = largest cities), in [1, 6] when given.</param>
/// <param name="Occupation">Occupation (free text).</param>
public sealed record Demographics(
    DateOnly? BirthDate = null,
    string? AgeBand = null,
    Gender Gender = Gender.Unspecified,
    string? Region = null,
    string? City = null,
    int? CityTier = null,
    string? Occupation = null)
{
    /// <summary>The backing field of <see cref="BirthDate"/>: a field, so that <see cref="PrefetchObject"/> can find the object's lines.</summary>
    private readonly DateOnly? _birthDate = BirthDate;

    /// <summary>The largest accepted city tier.</summary>
    public const int MaxCityTier = 6;

    /// <summary>Gets the date of birth, when known. Preferred over <see cref="AgeBand"/> for age conditions.</summary>
    public DateOnly? BirthDate { get => _birthDate; init => _birthDate = value; }

    /// <summary>Gets an instance with every field absent.</summary>
    public static Demographics Unknown { get; } = new();

    /// <summary>Gets the city tier (1 = largest cities), in [1, <see cref="MaxCityTier"/>] when given.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The tier is outside [1, 6].</exception>
    public int? CityTier { get; } = CityTier is null or (>= 1 and <= MaxCityTier)
        ? CityTier
        : throw new ArgumentOutOfRangeException(nameof(CityTier), CityTier, $"City tier must be in [1, {MaxCityTier}].");

    /// <summary>Asks for this object's cache lines (see <see cref="Primitives.CachePrefetch"/>).</summary>
    internal unsafe void PrefetchObject()
    {
        fixed (DateOnly?* p = &_birthDate)
        {
            Primitives.CachePrefetch.Lines(p, 1, 1);
        }
    }

    /// <summary>Returns the age in whole years on <paramref name="date"/>, or <see langword="null"/> when the birth date is unknown.</summary>
    /// <param name="date">The day on which the age is taken.</param>
    /// <returns>Completed years of age.</returns>
    public int? AgeOn(DateOnly date)
    {
        if (BirthDate is not { } birth)
        {
            return null;
        }

        var age = date.Year - birth.Year;
        if (date < birth.AddYears(age))
        {
            age--;
        }

        return age;
    }
}
