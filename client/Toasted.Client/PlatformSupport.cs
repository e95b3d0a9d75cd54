// toast talks to a Unix socket and starts the daemon with POSIX file modes; Windows is not a target.
[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
