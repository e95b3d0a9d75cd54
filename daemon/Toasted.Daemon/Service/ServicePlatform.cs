namespace Toasted.Daemon.Service;

/// <summary>The service manager a definition is written for: systemd --user on Linux, launchd on macOS.</summary>
public enum ServicePlatform { Linux, MacOS }
