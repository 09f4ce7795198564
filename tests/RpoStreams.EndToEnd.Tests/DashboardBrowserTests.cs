using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using RpoStreams.Gate.Hosting;
using RpoStreams.Simulation;
using static Microsoft.Playwright.Assertions;
using RpoStreams.Testing;

namespace RpoStreams.EndToEnd.Tests;

/// <summary>
/// The dashboard in a real browser: the gate runs as its own process on the embedded broker, whose demo
/// feed makes decisions and alerts; Debian's chromium (driven by Playwright, never downloaded by it) opens
/// <c>/</c> and the test checks what a person would see: numbers that move, an alert, a fresh register,
/// campaigns, and no phone number anywhere. It leaves a screenshot in artifacts/test-results/dashboard.png.
/// </summary>
public sealed partial class DashboardBrowserTests : IDisposable
{
    private const string Chromium = "/usr/bin/chromium";

    /// <summary>Subjects of the demo feed: numbers 0 to <see cref="DemoFeed.Population"/> - 1 of <see cref="SyntheticTraffic.Number"/>.</summary>
    private const int DemoPopulation = DemoFeed.Population;

    private static readonly string[] ChromiumArgs =
        ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

    private GateUnderTest? gate;

    [Fact]
    public async Task Dashboard_shows_live_decisions_alerts_register_and_campaigns_without_any_number()
    {
        Assert.SkipUnless(File.Exists(Chromium), $"{Chromium} is missing (scripts/install-test-prerequisites.sh installs Debian's chromium)");
        var cancel = TestContext.Current.CancellationToken;
        var clock = Stopwatch.StartNew();
        var results = Path.Combine(Repository.Root, "artifacts", "test-results");
        Directory.CreateDirectory(results);

        gate = GateUnderTest.Start(results, "dashboard-gate");
        var ready = await gate.WaitReadyAsync(TimeSpan.FromSeconds(120), cancel);
        TestContext.Current.SendDiagnosticMessage($"gate ready after {ready.TotalSeconds:0.0} s on {gate.Url}");

        // Playwright only drives the system chromium: no browser download, no install call.
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ChromiumArgs,
            Timeout = 60_000,
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions
        {
            ViewportSize = new ViewportSize { Width = 1440, Height = 900 },
            Locale = "en-GB",
            TimezoneId = "Europe/Rome",
        });
        var problems = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                problems.Add($"console: {message.Text}");
            }
        };
        page.PageError += (_, error) => problems.Add($"page error: {error}");

        try
        {
            await page.GotoAsync(gate.Url.ToString(), new PageGotoOptions { Timeout = 30_000 });
            await Expect(page).ToHaveTitleAsync(new Regex("RpoStreams gate"));
            await Expect(page.GetByTestId("connection")).ToHaveTextAsync(new Regex("^Live"), new() { Timeout = 20_000 });
            // On the embedded broker the header names the development Schema Registry endpoint beside it.
            await Expect(page.GetByTestId("instance")).ToContainTextAsync(new Regex(@"schema registry http://127\.0\.0\.1:\d+"));

            // The decisions counter moves: read it, then wait (with a deadline) until it shows more.
            var decisions = page.GetByTestId("decisions-total");
            await Expect(decisions).ToHaveTextAsync(new Regex(@"^[1-9][\d,]*$"), new() { Timeout = 30_000 });
            var firstText = await decisions.InnerTextAsync();
            await Expect(decisions).Not.ToHaveTextAsync(firstText, new() { Timeout = 30_000 });
            var first = Count(firstText);
            var second = Count(await decisions.InnerTextAsync());
            Assert.True(second > first, $"the decisions counter went from {first} to {second}");
            var kpis = await page.EvaluateAsync<string[]>(
                "() => ['decisions-total', 'allowed-total', 'blocked-total'].map(id => document.querySelector(`[data-testid=\"${id}\"]`).textContent)");
            Assert.Equal(Count(kpis[0]), Count(kpis[1]) + Count(kpis[2]));
            await Expect(page.GetByTestId("decisions-rate")).ToHaveTextAsync(new Regex(@"^\d+\.\d$"));

            // An alert from the demo's dialer (it dials some blocked intents anyway), with who is liable.
            var alert = page.GetByTestId("alert-row").First;
            await Expect(alert).ToBeVisibleAsync(new() { Timeout = 45_000 });
            await Expect(alert).ToContainTextAsync(new Regex("CRITICAL|WARNING"));
            await Expect(alert).ToContainTextAsync(new Regex("CALL_AFTER_BLOCK|CALL_WITHOUT_CLEARANCE|CALL_OUTSIDE_HOURS|LIST_NOT_SCRUBBED|REGISTER_STALE"));
            await Expect(alert.Locator("td.company")).Not.ToHaveTextAsync(new Regex(@"^\s*[–-]?\s*$"));
            await Expect(page.GetByTestId("alerts-total")).ToHaveTextAsync(new Regex(@"^[1-9]"));

            // The register was consulted by the demo feed just now, and campaigns are ranked.
            await Expect(page.GetByTestId("register-status")).ToHaveTextAsync("FRESH");
            await Expect(page.GetByTestId("campaign-row").First).ToBeVisibleAsync();

            // A fuller picture for the screenshot: a few more seconds of series and alerts, without failing on it.
            // (Waited for in the page itself, as its rows change.)
            var fuller = Math.Max(0, 25_000 - clock.ElapsedMilliseconds);
            try
            {
                await page.WaitForFunctionAsync(
                    "since => document.querySelectorAll('[data-testid=\"alert-row\"]').length >= 4 && performance.now() >= since",
                    await page.EvaluateAsync<double>("() => performance.now()") + fuller,
                    new PageWaitForFunctionOptions { Timeout = 20_000, PollingInterval = null });
            }
            catch (TimeoutException)
            {
                // A quieter demo minute: the screenshot shows fewer alerts.
            }

            // No phone number of the demo's population, in any of the ways its dialer writes them, on the page or in the JSON.
            var text = await page.InnerTextAsync("body");
            var json = await (await page.APIRequest.GetAsync(new Uri(gate.Url, "api/dashboard/snapshot").ToString())).TextAsync();
            foreach (var written in DemoNumbers())
            {
                Assert.DoesNotContain(written, text, StringComparison.Ordinal);
                Assert.DoesNotContain(written, json, StringComparison.Ordinal);
            }

            Assert.True(problems.Count == 0, "the browser reported errors:\n" + string.Join('\n', problems));
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(results, "dashboard.png"), FullPage = true });
            TestContext.Current.SendDiagnosticMessage($"dashboard checked in {clock.Elapsed.TotalSeconds:0.0} s; screenshot {Path.Combine(results, "dashboard.png")}");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var failure = Path.Combine(results, "dashboard-failure.png");
            try
            {
                await page.ScreenshotAsync(new PageScreenshotOptions { Path = failure, FullPage = true, Timeout = 10_000 });
            }
            catch (PlaywrightException)
            {
                failure = "(none: the page could not be captured)";
            }
            throw new InvalidOperationException(
                $"{e.Message}\nbrowser problems: {(problems.Count == 0 ? "none" : string.Join("; ", problems))}\nscreenshot: {failure}\n" +
                $"gate {(gate.HasExited ? "EXITED" : "running")}, log {gate.LogPath}:\n{gate.LogTail()}",
                e);
        }
    }

    public void Dispose() => gate?.Dispose();

    private static long Count(string text) => long.Parse(NotDigits().Replace(text, string.Empty), CultureInfo.InvariantCulture);

    [GeneratedRegex(@"\D")]
    private static partial Regex NotDigits();

    /// <summary>Every number of the demo population as E.164, as 0039…, national with spaces, and national digits.</summary>
    private static IEnumerable<string> DemoNumbers()
    {
        for (var i = 0L; i < DemoPopulation; i++)
        {
            var e164 = SyntheticTraffic.Number(i);
            var national = e164[3..];
            yield return e164;
            yield return national;
            yield return national[..3] + " " + national[3..6] + " " + national[6..];
        }
    }
}
