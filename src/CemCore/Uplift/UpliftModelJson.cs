using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CemCore.Churn;
using CemCore.Sources;

namespace CemCore.Uplift;

/// <summary>Reflection-free JSON persistence of <see cref="UpliftModel"/>; the logistic models are embedded in their own format.</summary>
internal static class UpliftModelJson
{
    private const string TwoModel = "twoModel";
    private const string ClassTransformation = "classTransformation";

    public static string Write(UpliftModel model)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("format", UpliftModel.JsonFormat);
            w.WriteNumber("version", UpliftModel.JsonVersion);
            w.WriteString("method", model.Method == UpliftMethod.TwoModel ? TwoModel : ClassTransformation);
            w.WriteNumber("treatedRows", model.TreatedRows);
            w.WriteNumber("controlRows", model.ControlRows);
            w.WriteStartObject("models");
            if (model.TransformedModel is { } z)
            {
                w.WritePropertyName("transformed");
                w.WriteRawValue(z.ToJson());
            }
            else
            {
                w.WritePropertyName("treated");
                w.WriteRawValue(model.TreatedModel!.ToJson());
                w.WritePropertyName("control");
                w.WriteRawValue(model.ControlModel!.ToJson());
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static UpliftModel Read(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument doc;
        try
        {
            doc = Primitives.JsonText.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new DataFormatException(Primitives.JsonDepth.Reason(json, $"The uplift model document is not valid JSON: {ex.Message}"), ex);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Bad("format", "the document must be a JSON object.");
            }

            if (!root.TryGetProperty("format", out var format) || format.ValueKind != JsonValueKind.String || format.GetString() != UpliftModel.JsonFormat)
            {
                throw Bad("format", $"expected '{UpliftModel.JsonFormat}'.");
            }

            if (!root.TryGetProperty("version", out var version) || !version.TryGetInt32(out var v) || v != UpliftModel.JsonVersion)
            {
                throw Bad("version", string.Create(CultureInfo.InvariantCulture, $"unsupported or missing version; this library reads version {UpliftModel.JsonVersion}."));
            }

            var method = root.TryGetProperty("method", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            var treatedRows = Count(root, "treatedRows");
            var controlRows = Count(root, "controlRows");
            if (!root.TryGetProperty("models", out var models) || models.ValueKind != JsonValueKind.Object)
            {
                throw Bad("models", "the member is missing or not an object.");
            }

            var n = (double)treatedRows + controlRows;
            var tw = n / (2.0 * treatedRows);
            var cw = n / (2.0 * controlRows);
            try
            {
                return method switch
                {
                    TwoModel => new UpliftModel(UpliftMethod.TwoModel, Logistic(models, "treated"), Logistic(models, "control"), null, treatedRows, controlRows, tw, cw),
                    ClassTransformation => new UpliftModel(UpliftMethod.ClassTransformation, null, null, Logistic(models, "transformed"), treatedRows, controlRows, tw, cw),
                    _ => throw Bad("method", $"expected '{TwoModel}' or '{ClassTransformation}'."),
                };
            }
            catch (ArgumentException ex)
            {
                throw new DataFormatException(ex.Message, null, null, "models", ex);
            }
        }
    }

    private static int Count(JsonElement root, string name) =>
        root.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var v) && v > 0
            ? v
            : throw Bad(name, "expected a whole number > 0.");

    private static LogisticRegressionModel Logistic(JsonElement models, string name)
    {
        if (!models.TryGetProperty(name, out var e) || e.ValueKind != JsonValueKind.Object)
        {
            throw Bad("models." + name, "the member is missing or not an object.");
        }

        try
        {
            return LogisticRegressionModel.FromJson(e.GetRawText());
        }
        catch (DataFormatException ex)
        {
            throw new DataFormatException(ex.Reason, null, null, "models." + name + (ex.Field is null ? string.Empty : "." + ex.Field), ex);
        }
    }

    private static DataFormatException Bad(string field, string reason) => new(reason, null, null, field);
}
