// The daemon and its socket permissions are Unix-only, and so are these tests.
[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
