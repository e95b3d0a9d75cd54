using System.Globalization;

namespace Toasted.Daemon.Admin;

/// <summary>The <c>time</c> every admin frame carries: UTC, ISO 8601, milliseconds.</summary>
public static class AdminClock
{
    public static string Now() => DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
}
