using System.Diagnostics;
using System.Text.RegularExpressions;
using CemCore.Kpis;
using CemCore.Reporting;
using CemCore.Transactions;

namespace CemCore.Tests.Reporting;

/// <summary>A fact that runs only when Debian's Chromium is installed at /usr/bin/chromium; otherwise skipped with the reason.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public const string Browser = "/usr/bin/chromium";

    public ChromiumFactAttribute()
    {
        if (!File.Exists(Browser))
        {
            Skip = $"{Browser} is absent: install Debian's chromium (apt-get install -y chromium) to render the report in a real browser.";
        }
    }
}

/// <summary>
/// Issue 10: the HTML report rendered in headless Chromium — a screenshot is taken, every chart is present and painted (an SVG with a
/// non-empty box and drawn elements, or the no-data note), and the page logs no error.
/// </summary>
public sealed partial class ReportBrowserTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cemcore-report-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [ChromiumFact]
    public void FullReport_EveryChartRenders_NoConsoleErrors_Screenshot()
    {
        var html = KpiReport.Render(FullData());
        var result = RenderInBrowser(html);
        Assert.Equal(KpiReport.ChartNames.Count, result.Charts.Count);
        foreach (var name in KpiReport.ChartNames)
        {
            Assert.True(result.Charts.TryGetValue(name, out var state), $"chart {name} missing");
            Assert.True(state.StartsWith("svg", StringComparison.Ordinal), $"chart {name}: {state}");
        }

        Assert.Empty(result.Errors);
    }

    [ChromiumFact]
    public void EmptyReport_EveryChartSaysItHasNoData()
    {
        var result = RenderInBrowser(KpiReport.Render(new KpiReportData { AsOf = DateTimeOffset.UnixEpoch }));
        Assert.All(KpiReport.ChartNames, n => Assert.Equal("no-data", result.Charts[n]));
        Assert.Empty(result.Errors);
    }

    [Fact]
    public void Report_IsSelfContained()
    {
        var html = KpiReport.Render(FullData());
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch("(src|href)=\"(https?:)?//", html);
        Assert.DoesNotContain("url(http", html, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(KpiReport.ChartNames.Count, Regex.Count(html, "<figure class=\"chart\""));
    }

    internal static KpiReportData FullData()
    {
        var rng = new Random(7);
        var start = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var b = new TransactionTableBuilder();
        var events = new List<JourneyEvent>();
        var surveys = new List<SurveyScore>();
        string[] channels = ["ad", "email", "search", "social"];
        for (var c = 0; c < 300; c++)
        {
            var id = "c" + c;
            var t = start.AddDays(rng.Next(0, 300));
            var orders = 1 + rng.Next(0, 5);
            for (var o = 0; o < orders && t < start.AddDays(365); o++)
            {
                events.Add(JourneyEvent.Touch(id, t.AddDays(-2), channels[rng.Next(channels.Length)]));
                events.Add(JourneyEvent.Touch(id, t.AddHours(-3), channels[rng.Next(channels.Length)]));
                events.Add(JourneyEvent.Conversion(id, t, 20 + rng.Next(0, 200)));
                b.AddPurchase(id, t, 20 + rng.Next(0, 200));
                surveys.Add(new SurveyScore(id, t.AddDays(3), SurveyKind.Nps, rng.Next(0, 11)));
                surveys.Add(new SurveyScore(id, t.AddDays(3), SurveyKind.Csat, rng.Next(1, 6)));
                t = t.AddDays(rng.Next(10, 90));
            }
        }

        var data = KpiReportBuilder.Build(start.AddDays(365), b.Build(), events, surveys);
        return data with
        {
            Experiments = [new AbReadout("free shipping", 0.10, 0.12, 0.005, 0.035), new AbReadout("coupon 10%", 0.08, 0.079, -0.01, 0.008)],
            PromotionRoi = [new ReportPoint("spring", 1.8), new ReportPoint("summer", -0.2)],
        };
    }

    private sealed record BrowserResult(Dictionary<string, string> Charts, List<string> Errors);

    private BrowserResult RenderInBrowser(string html)
    {
        var page = Path.Combine(_dir, "report.html");
        File.WriteAllText(page, html);

        // 1. Screenshot of the page as written.
        var shot = Path.Combine(_dir, "report.png");
        var (_, shotErr) = Chromium($"--screenshot={shot} --window-size=1400,4000 file://{page}");
        Assert.True(File.Exists(shot) && new FileInfo(shot).Length > 10_000, $"no screenshot: {shotErr}");

        // 2. A probe copy: a first script records errors (window errors in capture phase, failed resources, console.error), a last one
        //    inspects each chart's painted box after load and writes the findings into the DOM, which --dump-dom prints.
        const string Head = "<script>window.__errors=[];addEventListener('error',function(e){__errors.push('error: '+(e.message||(e.target&&(e.target.src||e.target.href))||'resource'));},true);"
            + "var __ce=console.error;console.error=function(){__errors.push('console: '+Array.prototype.join.call(arguments,' '));__ce.apply(console,arguments);};</script>";
        const string Probe = "<script>addEventListener('load',function(){var out=[];document.querySelectorAll('figure.chart').forEach(function(f){"
            + "var s=f.querySelector('svg'),st='missing';if(s){var r=s.getBoundingClientRect();var n=s.querySelectorAll('path,rect,text,line,polyline,image').length;"
            + "st=(r.width>100&&r.height>100&&n>5)?'svg '+Math.round(r.width)+'x'+Math.round(r.height)+' '+n:'svg-empty '+r.width+'x'+r.height+' '+n;}"
            + "else if(f.querySelector('p.no-data')){st='no-data';}out.push(f.dataset.chart+'='+st);});"
            + "var p=document.createElement('pre');p.id='probe';p.textContent='CHARTS|'+out.join('|')+'|ERRORS|'+__errors.join('|')+'|END';document.body.appendChild(p);});</script>";
        var probePage = Path.Combine(_dir, "probe.html");
        File.WriteAllText(probePage, html.Replace("<head>", "<head>" + Head, StringComparison.Ordinal).Replace("</body>", Probe + "</body>", StringComparison.Ordinal));
        var (dom, log) = Chromium($"--dump-dom --virtual-time-budget=5000 --enable-logging=stderr --v=0 file://{probePage}");
        var match = ProbeRegex().Match(dom);
        Assert.True(match.Success, $"probe output missing; stderr: {log}");
        var charts = match.Groups[1].Value.Split('|', StringSplitOptions.RemoveEmptyEntries)
            .Select(s => s.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var errors = match.Groups[2].Value.Split('|', StringSplitOptions.RemoveEmptyEntries).ToList();

        // Console messages of level error that Chromium logs to stderr.
        errors.AddRange(log.Split('\n').Where(l => l.Contains(":CONSOLE", StringComparison.Ordinal) && l.Contains("ERROR", StringComparison.Ordinal)));
        return new BrowserResult(charts, errors);
    }

    private (string StdOut, string StdErr) Chromium(string arguments)
    {
        var psi = new ProcessStartInfo(ChromiumFactAttribute.Browser, $"--headless --no-sandbox --disable-gpu --disable-dev-shm-usage --user-data-dir={Path.Combine(_dir, "profile")} {arguments}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail("chromium did not finish within 3 minutes");
        }

        return (stdout.Result, stderr.Result);
    }

    [GeneratedRegex(@"<pre id=""probe"">CHARTS\|(.*?)\|ERRORS\|(.*?)\|END</pre>", RegexOptions.Singleline)]
    private static partial Regex ProbeRegex();
}
