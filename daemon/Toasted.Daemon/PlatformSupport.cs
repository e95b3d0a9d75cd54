// The daemon serves a Unix socket whose file permissions are its access control; Windows is not a target.
[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
