using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Inspection.Host.Api;

/// <summary>Declares the API key (X-Api-Key header, or a bearer token) in the OpenAPI document, for every route.</summary>
public sealed class SecurityDocumentTransformer : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = "Inspection API";
        document.Info.Description = "PatchCore visual inspection: lines, training jobs, frames, results, reviews and the cluster. " +
                                    "Every error is an RFC 9457 problem (application/problem+json).";
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes["apiKey"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = "X-Api-Key",
            Description = "An API key of the server (--api-key, or the one generated on first start).",
        };
        document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme { Type = SecuritySchemeType.Http, Scheme = "bearer", Description = "The same key as a bearer token." };
        document.Security ??= [];
        document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("apiKey", document)] = [] });
        document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] });
        return Task.CompletedTask;
    }
}
