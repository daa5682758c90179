using System.Text.Json;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using Inspection.Actors.Diagnostics;
using Inspection.Actors.Hosting;
using Inspection.Actors.Results;
using Inspection.Engine.Backbones;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.FileProviders;
using OpenTelemetry.Metrics;
using Scalar.AspNetCore;

namespace Inspection.Host.Api;

/// <summary>
/// The web application of <c>inspection serve</c>: one generic host with the cluster node (Akka.Hosting), Kestrel,
/// the /api/v1 routes and the dashboard at / (on nodes with the api role), health checks, Prometheus metrics and the
/// OpenAPI document.
/// </summary>
public static class ApiServer
{
    public const string LiveTag = "live", ReadyTag = "ready";

    public static WebApplication Build(ServeSettings settings, InspectionNodeOptions node, ApiKeys keys, Action<ILoggingBuilder>? logging = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        logging?.Invoke(builder.Logging);
        bool api = node.Roles.Contains("api");
        var (host, port) = HttpEndpoint.Parse(settings.Http!);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(HttpEndpoint.Address(host), port);
            // The routes check their own, smaller limits and answer 413 with a problem; this is the outer bound.
            k.Limits.MaxRequestBodySize = Math.Max(settings.MaxFrameBytes, settings.MaxUploadBytes) + (1 << 20);
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(20));
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
            o.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never;
        });
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = c => c.ProblemDetails.Detail ??= Problems.DefaultDetail(c.HttpContext, c.ProblemDetails.Status));
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddOpenApi(o => o.AddDocumentTransformer<SecurityDocumentTransformer>());
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(keys);
        builder.Services.AddSingleton(ResultStore.For(node));
        builder.Services.AddSingleton<JobRegistry>();
        builder.Services.AddSingleton<ResultFeed>();
        builder.Services.AddSingleton<CameraStatuses>();
        builder.Services.AddSingleton<BackboneWarmup>();
        builder.Services.AddSingleton(sp => new ApiContext(settings, node.Lines, sp.GetRequiredService<ActorSystem>(), sp.GetRequiredService<ResultStore>(),
            sp.GetRequiredService<JobRegistry>(), sp.GetRequiredService<ResultFeed>(), node.Disk));
        builder.Services.AddHealthChecks();
        builder.Services.AddOpenTelemetry().WithMetrics(m => m
            .AddMeter(PipelineMetrics.MeterName)
            .AddAspNetCoreInstrumentation()
            .AddRuntimeInstrumentation()
            .AddPrometheusExporter());
        builder.Services.AddAkka(node.SystemName, (b, sp) =>
        {
            b.AddHocon("akka.loglevel = WARNING\nakka.stdout-loglevel = WARNING", HoconAddMode.Prepend)
                .WithInspectionNode(node)
                .WithActorSystemLivenessCheck(tags: [LiveTag])
                .WithAkkaClusterReadinessCheck(tags: [ReadyTag])
                .WithHealthCheck("journal", async (system, _, cancel) =>
                {
                    try
                    {
                        await JournalHealth.Check(system, TimeSpan.FromSeconds(5), cancel);
                        await sp.GetRequiredService<ResultStore>().Ping(cancel);
                        return HealthCheckResult.Healthy("the journal and the result store answer");
                    }
                    catch (Exception e) when (e is not OutOfMemoryException) { return HealthCheckResult.Unhealthy($"the database does not answer: {e.Message}"); }
                }, tags: [ReadyTag]);
            b.WithHealthCheck("registry", async (system, registry, cancel) =>
            {
                try
                {
                    await registry.Get<Inspection.Actors.Registry.ModelRegistry>().Ask<Inspection.Actors.Messages.LineList>(
                        new Inspection.Actors.Messages.ListLines(), TimeSpan.FromSeconds(5), cancel);
                    return HealthCheckResult.Healthy("the model registry answers");
                }
                catch (Exception e) when (e is AskTimeoutException or TaskCanceledException or MissingActorRegistryEntryException)
                {
                    return HealthCheckResult.Unhealthy("the model registry does not answer yet");
                }
            }, tags: [ReadyTag]);
            if (node.Disk is { } disk)
                b.WithHealthCheck("disk", (_, _, _) => Task.FromResult(DiskHealth.Of(disk.Refresh())), tags: [ReadyTag]);
            if (node.Roles.Contains("gpu"))
                b.WithHealthCheck("backbones", (_, _, _) => Task.FromResult(sp.GetRequiredService<BackboneWarmup>().Health()), tags: [ReadyTag]);
        });

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        // Nodes without the api role have no /api routes, and so no keys to ask for: /api answers 404 there.
        if (api) app.UseMiddleware<ApiKeyMiddleware>();
        app.UseMiddleware<BadRequestMiddleware>();
        app.MapHealthChecks("/healthz/live", Health(LiveTag));
        app.MapHealthChecks("/healthz/ready", Health(ReadyTag));
        app.MapPrometheusScrapingEndpoint("/metrics");
        if (api)
        {
            app.MapOpenApi("/openapi/{documentName}.json");
            app.MapScalarApiReference("/api-reference", o => o.WithTitle("Inspection API").WithOpenApiRoutePattern("/openapi/{documentName}.json"));
            var v1 = app.MapGroup("/api/v1");
            LineRoutes.Map(v1);
            TrainingRoutes.Map(v1);
            ModelRoutes.Map(v1);
            VersionRoutes.Map(v1);
            ShadowRoutes.Map(v1);
            AuditRoutes.Map(v1);
            FrameRoutes.Map(v1);
            ResultRoutes.Map(v1);
            ClusterRoutes.Map(v1);
            CameraRoutes.Map(v1);
            EventRoutes.Map(v1);
            // The operator dashboard at /: static files that call the routes above with the same key rules.
            var dashboard = new ManifestEmbeddedFileProvider(typeof(ApiServer).Assembly, "Dashboard");
            app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = dashboard });
            app.UseStaticFiles(new StaticFileOptions { FileProvider = dashboard });
        }
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var system = app.Services.GetRequiredService<ActorSystem>();
            if (api) app.Services.GetRequiredService<ResultFeed>().Start(system);
            if (api) app.Services.GetRequiredService<CameraStatuses>().Start(system);
            if (node.Roles.Contains("gpu")) app.Services.GetRequiredService<BackboneWarmup>().Start(node);
        });
        return app;
    }

    private static HealthCheckOptions Health(string tag) => new()
    {
        Predicate = r => r.Tags.Contains(tag),
        ResponseWriter = async (context, report) =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsJsonAsync(new
            {
                status = report.Status.ToString(),
                checks = report.Entries.Select(e => new { name = e.Key, status = e.Value.Status.ToString(), description = e.Value.Description }),
            });
        },
    };
}
