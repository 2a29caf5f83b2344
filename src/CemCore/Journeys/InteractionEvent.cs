using CemCore.Primitives;

namespace CemCore.Journeys;

/// <summary>A touchpoint on the customer journey.</summary>
public enum Touchpoint
{
    /// <summary>An advertisement impression or click.</summary>
    Ad = 0,

    /// <summary>A social-media interaction.</summary>
    Social = 1,

    /// <summary>A search (on a search engine or the shop).</summary>
    Search = 2,

    /// <summary>A visit to the web site or app.</summary>
    Visit = 3,

    /// <summary>A product detail view.</summary>
    ProductView = 4,

    /// <summary>An add-to-cart.</summary>
    Cart = 5,

    /// <summary>A checkout step.</summary>
    Checkout = 6,

    /// <summary>A delivery event.</summary>
    Delivery = 7,

    /// <summary>A customer-service contact.</summary>
    CustomerService = 8,

    /// <summary>A survey shown or answered.</summary>
    Survey = 9,
}

/// <summary>The stage of the customer journey a touchpoint belongs to.</summary>
public enum JourneyStage
{
    /// <summary>Becoming aware of the brand or product.</summary>
    Awareness = 0,

    /// <summary>Comparing and considering.</summary>
    Consideration = 1,

    /// <summary>Buying.</summary>
    Purchase = 2,

    /// <summary>Delivery, service and returns after the purchase.</summary>
    AfterSales = 3,
}

/// <summary>One interaction of a customer with the brand.</summary>
/// <remarks>Immutable. <see cref="Properties"/> keys compare case-insensitively; the dictionary is compared by reference.</remarks>
public sealed record InteractionEvent
{
    /// <summary>Creates an event.</summary>
    /// <param name="customerId">The customer's CRM id; not blank.</param>
    /// <param name="timestamp">When it happened.</param>
    /// <param name="touchpoint">The touchpoint.</param>
    /// <param name="stage">The journey stage; defaults to <see cref="DefaultStage(Touchpoint)"/> when <see langword="null"/>.</param>
    /// <param name="channel">Where it happened (sales-channel vocabulary).</param>
    /// <param name="properties">Free properties such as <c>sku</c> or <c>campaign</c>.</param>
    /// <exception cref="ArgumentException"><paramref name="customerId"/> is blank.</exception>
    public InteractionEvent(
        string customerId,
        DateTimeOffset timestamp,
        Touchpoint touchpoint,
        JourneyStage? stage = null,
        SalesChannel channel = default,
        IReadOnlyDictionary<string, string>? properties = null)
    {
        CustomerId = Check.NotBlank(customerId);
        Timestamp = timestamp;
        Touchpoint = Enum.IsDefined(touchpoint) ? touchpoint : throw new ArgumentOutOfRangeException(nameof(touchpoint), touchpoint, "Unknown touchpoint.");
        Stage = stage ?? DefaultStage(touchpoint);
        Channel = channel;
        Properties = properties is null
            ? new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            : new Dictionary<string, string>(properties, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Gets the customer's CRM id.</summary>
    public string CustomerId { get; }

    /// <summary>Gets when it happened.</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>Gets the touchpoint.</summary>
    public Touchpoint Touchpoint { get; }

    /// <summary>Gets the journey stage.</summary>
    public JourneyStage Stage { get; }

    /// <summary>Gets the channel.</summary>
    public SalesChannel Channel { get; }

    /// <summary>Gets the free properties.</summary>
    public IReadOnlyDictionary<string, string> Properties { get; }

    /// <summary>
    /// The stage a touchpoint belongs to by default: ad/social/search → awareness; visit/product view → consideration;
    /// cart/checkout → purchase; delivery/customer service/survey → after-sales.
    /// </summary>
    /// <param name="touchpoint">The touchpoint.</param>
    /// <returns>The default journey stage.</returns>
    public static JourneyStage DefaultStage(Touchpoint touchpoint) => touchpoint switch
    {
        Touchpoint.Ad or Touchpoint.Social or Touchpoint.Search => JourneyStage.Awareness,
        Touchpoint.Visit or Touchpoint.ProductView => JourneyStage.Consideration,
        Touchpoint.Cart or Touchpoint.Checkout => JourneyStage.Purchase,
        _ => JourneyStage.AfterSales,
    };
}
