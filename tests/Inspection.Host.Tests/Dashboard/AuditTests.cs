using System.Net.Http.Json;
using System.Text.Json;
using Inspection.Host.Tests.Api;
using Microsoft.Playwright;
using Xunit;

namespace Inspection.Host.Tests.Dashboard;

/// <summary>
/// The threshold policy and the audit trail in a real browser, signed in with a named operator key, on a line of its
/// own: the policy saved on the threshold page is the server's, and the audit page lists that change by the key's name.
/// </summary>
[Collection(ServeCollection.Name)]
public sealed class AuditTests(ServeFixture serve)
{
    private const string Line = "dashboard-audit";

    [SkippableFact]
    public async Task A_policy_saved_on_the_threshold_page_is_the_servers_and_the_audit_page_names_who_saved_it()
    {
        await using var browser = await Browser.Start();
        await serve.TrainLine(Line);
        var page = await serve.SignedInDashboard(browser, ServeFixture.OperatorKey);
        await page.EvaluateAsync($"location.hash = '#/lines/{Line}/threshold'");
        var policy = page.GetByTestId("policy");
        await Assertions.Expect(policy).ToHaveValueAsync("f1");
        await Assertions.Expect(page.GetByTestId("target")).ToBeHiddenAsync();
        await policy.SelectOptionAsync("false-reject-rate");
        await page.GetByTestId("target").FillAsync("0.05");
        await page.GetByTestId("policy-form").Locator("button[type=submit]").ClickAsync();
        await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("Threshold policy false-reject-rate (target 0.05) saved.");
        var settings = (await serve.Client.GetFromJsonAsync<JsonElement>($"/api/v1/lines/{Line}")).GetProperty("settings");
        Assert.Equal("false-reject-rate", settings.GetProperty("thresholdPolicy").GetString());
        Assert.Equal(0.05, settings.GetProperty("falseRejectTarget").GetDouble());

        await page.EvaluateAsync("location.hash = '#/audit'");
        await page.GetByTestId("audit-line").FillAsync(Line);
        await page.GetByTestId("audit-kind").SelectOptionAsync("settings");
        await page.GetByTestId("audit-filter").Locator("button[type=submit]").ClickAsync();
        var change = page.GetByTestId("audit").Locator("tr[data-kind='settings']").First;
        await Assertions.Expect(change).ToContainTextAsync("thresholdPolicy false-reject-rate");
        await Assertions.Expect(change.GetByTestId("audit-by")).ToHaveTextAsync(ServeFixture.OperatorName);
        await Assertions.Expect(change).ToContainTextAsync("thresholdPolicy f1"); // the value before
        await Browser.Screenshot(page, "audit");
    }
}
