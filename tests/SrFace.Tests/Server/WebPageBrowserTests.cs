using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using SrFace.Tests.Recognition;
using SrFace.Tests.Recognition.Galleries;

namespace SrFace.Tests.Server;

/// <summary>
/// The web page in real headless Chromium (Debian's package, installed by scripts/chromium.sh; Playwright drives it
/// through ExecutablePath, nothing is downloaded): enrol people from the page, identify a photo, read the answer.
/// </summary>
[Collection(TorchCollection.Name)]
public class WebPageBrowserTests
{
    private const string Chromium = "/usr/bin/chromium";

    private static readonly string[] Flags =
        ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

    [SkippableFact]
    public async Task Enrol_from_the_page_then_identify_a_dropped_photo_and_show_the_answer()
    {
        Skip.If(!File.Exists(Chromium), $"!!! CHROMIUM NOT AVAILABLE: browser test SKIPPED. {Chromium} is missing; run `bash scripts/chromium.sh`. !!!");
        using var backend = TestGalleries.Of("sqlite");
        await using var server = await TestServer.StartAsync(backend.CatalogAddress());
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium, Headless = true, Args = Flags });
        var page = await browser.NewPageAsync();
        await page.GotoAsync(server.BaseAddress);
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("SrFace");

        // Without the key the page shows the 401 problem and enrols nothing.
        var people = TinyCascade.People;
        string[] Photos(int p) => people.Samples.Where(s => s.Identity == people.Identities[p]).Take(2).Select(s => s.Path).ToArray();
        await page.FillAsync("#enrolName", people.Identities[0]);
        await page.SetInputFilesAsync("#enrolFiles", Photos(0));
        await page.ClickAsync("#enrolButton");
        await Assertions.Expect(page.Locator("#error")).ToContainTextAsync("401");

        await page.FillAsync("#apiKey", TestServer.ApiKey);
        for (var p = 0; p < 3; p++)
        {
            await page.FillAsync("#enrolName", people.Identities[p]);
            await page.SetInputFilesAsync("#enrolFiles", Photos(p));
            await page.ClickAsync("#enrolButton");
            await Assertions.Expect(page.Locator("#enrolStatus")).ToHaveTextAsync($"enrolled {people.Identities[p]}: 2 photo(s), 2 in total");
        }
        await Assertions.Expect(page.Locator("#identities li")).ToHaveCountAsync(3);

        // Identify an enrolled photo at 16 px (the page's default probe size) and compare with the API's own answer.
        var probe = Photos(1)[0];
        var expected = await (await server.Client.PostAsync("/v1/identify?gallery=default&top=5&probeSize=16", TestServer.Form("image", probe)))
            .Content.ReadFromJsonAsync<JsonElement>();
        var top = expected.GetProperty("candidates")[0];
        await page.SetInputFilesAsync("#probeFile", probe);
        await Assertions.Expect(page.Locator("#verdict")).ToContainTextAsync($"identified: {expected.GetProperty("identity").GetString()}");
        var firstRow = page.Locator("#candidates tbody tr").First;
        await Assertions.Expect(firstRow.Locator("td").Nth(1)).ToHaveTextAsync(top.GetProperty("identity").GetString()!);
        await Assertions.Expect(firstRow.Locator("td").Nth(2)).ToHaveTextAsync(top.GetProperty("score").GetDouble().ToString("F4", System.Globalization.CultureInfo.InvariantCulture));
        await Assertions.Expect(page.Locator("#candidates tbody tr")).ToHaveCountAsync(3);
        foreach (var image in new[] { "#crop", "#probe", "#restored" })
            Assert.True(await page.EvalOnSelectorAsync<int>(image, "img => img.naturalWidth") > 0, $"{image} was not shown");
        Assert.Equal(16, await page.EvalOnSelectorAsync<int>("#probe", "img => img.naturalWidth"));

        // A ZIP named .jpg: the page shows the server's problem, and no result.
        var zip = Path.Combine(TestData.NewTempDir(), "photo.jpg");
        await File.WriteAllBytesAsync(zip, TestImages.Zip());
        await page.SetInputFilesAsync("#probeFile", zip);
        await Assertions.Expect(page.Locator("#error")).ToContainTextAsync("415");
        await Assertions.Expect(page.Locator("#candidates tbody tr")).ToHaveCountAsync(0);
    }
}
