using System.Runtime.InteropServices;

namespace Sluice.Server.Internal;

/// <summary>
/// The process's open-file limit (<c>RLIMIT_NOFILE</c>) through libc's <c>getrlimit</c>/<c>setrlimit</c> (Linux and
/// macOS); elsewhere (Windows) unknown.
/// </summary>
internal static class DescriptorLimit
{
    /// <summary>
    /// Raises the soft limit to the hard one when it is lower, and returns the soft limit then in force, or
    /// <see langword="null"/> when it is unknown or unlimited.
    /// </summary>
    public static long? RaiseAndRead()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return null;
        }

        var resource = OperatingSystem.IsMacOS() ? 8 : 7;
        try
        {
            if (NativeMethods.getrlimit(resource, out var limit) != 0)
            {
                return null;
            }

            if (limit.Current < limit.Maximum)
            {
                var raised = new RLimit { Current = limit.Maximum, Maximum = limit.Maximum };
                // macOS refuses a soft limit above OPEN_MAX for an unlimited hard limit; then the old limit stays.
                if (NativeMethods.setrlimit(resource, in raised) == 0)
                {
                    limit = raised;
                }
            }

            return limit.Current is 0 or > long.MaxValue ? null : (long)limit.Current;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// The descriptors this process holds open now (the runtime keeps one or two per loaded assembly: a web host holds
    /// 150-250 before its first connection), counted in <c>/proc/self/fd</c> (Linux) or <c>/dev/fd</c> (macOS); 0 when
    /// they cannot be counted.
    /// </summary>
    public static long OpenNow()
    {
        var directory = OperatingSystem.IsLinux() ? "/proc/self/fd" : OperatingSystem.IsMacOS() ? "/dev/fd" : null;
        try
        {
            return directory is null ? 0 : Directory.EnumerateFileSystemEntries(directory).LongCount();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>
    /// The connections the listeners may hold: the limit, less the descriptors open now, less 256 and 10 % of the limit
    /// kept for what the process opens later (the store's files, assemblies loaded on first use, logs). May be 0 or less.
    /// </summary>
    public static long Budget(long descriptorLimit, long openNow) =>
        descriptorLimit - openNow - Hosting.LimitsOptions.ReservedDescriptors - (descriptorLimit / 10);

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    // DllImport, not LibraryImport: the generated marshalling needs unsafe code, and these two calls run once at start.
    private static class NativeMethods
    {
        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int getrlimit(int resource, out RLimit limit);

        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int setrlimit(int resource, in RLimit limit);
    }
}
