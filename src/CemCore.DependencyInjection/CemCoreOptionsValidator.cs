using Microsoft.Extensions.Options;

namespace CemCore.DependencyInjection;

/// <summary>Source-generated validator of <see cref="CemCoreOptions"/> (data annotations + <see cref="System.ComponentModel.DataAnnotations.IValidatableObject"/>; AOT-safe).</summary>
[OptionsValidator]
internal sealed partial class CemCoreOptionsValidator : IValidateOptions<CemCoreOptions>;
