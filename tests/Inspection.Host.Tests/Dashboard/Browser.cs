using Microsoft.Playwright;
using Xunit;

namespace Inspection.Host.Tests.Dashboard;

/// <summary>
/// Headless Debian Chromium driven by Playwright (its own browser download does not work here, so it is pointed at the
/// system's binary). Tests skip, saying why, where Chromium is not installed; .ci/run installs it.
/// </summary>
public sealed class Browser : IAsyncDisposable
{
    public static readonly string ExecutablePath = Environment.GetEnvironmentVariable("INSPECTION_TEST_CHROMIUM") ?? "/usr/bin/chromium";
    private readonly IPlaywright _playwright;

    public IBrowser Chromium { get; }

    private Browser(IPlaywright playwright, IBrowser chromium)
    {
        _playwright = playwright;
        Chromium = chromium;
    }

    public static async Task<Browser> Start()
    {
        Skip.IfNot(File.Exists(ExecutablePath), $"no Chromium at {ExecutablePath} (apt-get install -y chromium, or set INSPECTION_TEST_CHROMIUM)");
        var playwright = await Playwright.CreateAsync();
        var chromium = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath, Headless = true, Args = ["--no-sandbox", "--disable-dev-shm-usage"],
        });
        return new Browser(playwright, chromium);
    }

    /// <summary>A fresh tab (its own sessionStorage) on a 1366x768 screen, the smallest the dashboard is made for.</summary>
    public async Task<IPage> Page()
    {
        var context = await Chromium.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1366, Height = 768 } });
        return await context.NewPageAsync();
    }

    /// <summary>Types the key into the page's sign-in field; the page reloads and reads the lines with it, whose answer this returns.</summary>
    public static async Task<IResponse> SignIn(IPage page, string key)
    {
        await page.FillAsync("#key", key);
        return await page.RunAndWaitForResponseAsync(() => page.ClickAsync("#signin button"), r => r.Url.EndsWith("/api/v1/lines"));
    }

    /// <summary>Saves what the page shows to INSPECTION_TEST_SCREENSHOTS/{name}.png when that folder is set (for a look by eye).</summary>
    public static async Task Screenshot(IPage page, string name)
    {
        if (Environment.GetEnvironmentVariable("INSPECTION_TEST_SCREENSHOTS") is not { Length: > 0 } folder) return;
        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name + ".png") });
    }

    public async ValueTask DisposeAsync()
    {
        await Chromium.DisposeAsync();
        _playwright.Dispose();
    }
}
