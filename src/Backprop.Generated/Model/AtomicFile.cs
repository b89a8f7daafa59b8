using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;

namespace Backprop;

/// <summary>
/// Replaces a file atomically: writes a temporary file beside it, flushes it to disk, renames it over the target
/// and (on Linux and macOS) flushes the folder, so that the target is always either the complete old file or the
/// complete new one, whether the process is killed, the disk fills up or the write throws.
/// </summary>
/// <remarks>
/// <para>
/// The temporary file is <c>.&lt;name&gt;.&lt;pid&gt;.tmp</c> in the target's folder: <c>&lt;name&gt;</c> the
/// target's file name, <c>&lt;pid&gt;</c> the process id of the saving process (decimal). The name is the same for
/// every save of one target by one process, so a process leaves at most one behind per target, and different
/// processes saving the same target at once never write the same temporary file (the last rename wins; each
/// rename is of a complete file). Within a process, saves of the same target take turns (a lock per target,
/// striped by the path's case-insensitive hash).
/// </para>
/// <para>
/// A process killed while saving leaves its temporary file behind. Every save first deletes the leftovers of its
/// target: files named exactly <c>.&lt;name&gt;.&lt;digits&gt;.tmp</c> whose process is no longer running and that
/// nobody holds open (the writer of a temporary file keeps it open without sharing until it has been flushed).
/// Nothing else is ever deleted. A leftover whose process id has been reused by a running process stays until
/// that process ends. Process ids are only unique on one machine (and within one pid namespace): processes on
/// different machines saving the same target in a shared folder are not told apart by the id, only by the lock.
/// </para>
/// </remarks>
internal static partial class AtomicFile
{
    /// <summary>Locks serialising the saves of one target within this process: one per stripe of the path hash.</summary>
    private static readonly object[] s_locks = CreateLocks(64);

    /// <summary>The suffix of every temporary file.</summary>
    private const string TemporarySuffix = ".tmp";

    /// <summary>
    /// Writes the file at <paramref name="path"/> atomically with the bytes <paramref name="write"/> writes to the
    /// stream it is given (it must not close it). On failure the temporary file is deleted and the target, if any,
    /// is left as it was, and the failure propagates.
    /// </summary>
    /// <exception cref="IOException">The file cannot be written or renamed (the previous file, if any, is intact).</exception>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        string target = Path.GetFullPath(path);
        string name = Path.GetFileName(target);
        string? directory = Path.GetDirectoryName(target);
        if (name.Length == 0 || directory is null)
        {
            throw new IOException($"Cannot save to '{target}': it names a folder, not a file.");
        }
        string temporary = Path.Combine(directory, TemporaryName(name, Environment.ProcessId));

        lock (s_locks[(StringComparer.OrdinalIgnoreCase.GetHashCode(target) & int.MaxValue) % s_locks.Length])
        {
            RemoveLeftovers(directory, name);

            // If this fails, the file is not ours to delete (another process may hold it): nothing to clean up.
            var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 16);
            try
            {
                using (stream)
                {
                    write(stream);
                    stream.Flush(flushToDisk: true);
                }
                File.Move(temporary, target, overwrite: true);
            }
            catch
            {
                TryDelete(temporary);
                throw;
            }
        }

        // The rename is done; making it durable is best effort and never fails the save.
        SyncDirectory(directory);
    }

    /// <summary>The temporary file of <paramref name="name"/> for process <paramref name="processId"/>.</summary>
    internal static string TemporaryName(string name, int processId)
        => "." + name + "." + processId.ToString(CultureInfo.InvariantCulture) + TemporarySuffix;

    /// <summary>
    /// The process id in <paramref name="fileName"/> if it is exactly the temporary file of <paramref name="name"/>
    /// of some process (<c>.&lt;name&gt;.&lt;digits&gt;.tmp</c>), otherwise null.
    /// </summary>
    internal static int? ProcessOfTemporary(string fileName, string name)
    {
        // Ordinal, even on a case-insensitive file system: a leftover under another spelling waits for a save under that spelling.
        int prefix = 1 + name.Length + 1;
        if (fileName.Length <= prefix + TemporarySuffix.Length
            || fileName[0] != '.'
            || string.CompareOrdinal(fileName, 1, name, 0, name.Length) != 0
            || fileName[prefix - 1] != '.'
            || !fileName.EndsWith(TemporarySuffix, StringComparison.Ordinal))
        {
            return null;
        }
        ReadOnlySpan<char> digits = fileName.AsSpan(prefix, fileName.Length - prefix - TemporarySuffix.Length);
        if (digits.Length > 10)
        {
            return null;
        }
        foreach (char c in digits)
        {
            if (c is < '0' or > '9')
            {
                return null;
            }
        }
        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int processId) && processId > 0
            ? processId
            : null;
    }

    /// <summary>
    /// Deletes the temporary files of <paramref name="name"/> left by processes that are no longer running and that
    /// nobody holds open. Best effort: a leftover that cannot be deleted stays, and the save goes on.
    /// </summary>
    private static void RemoveLeftovers(string directory, string name)
    {
        var options = new EnumerationOptions
        {
            // Names starting with '.' count as hidden on Unix: the temporary files are exactly those.
            AttributesToSkip = 0,
            IgnoreInaccessible = true,
            MatchType = MatchType.Simple,
            RecurseSubdirectories = false,
        };
        // The pattern narrows the listing; ProcessOfTemporary decides. A name with wildcards of its own lists all.
        string pattern = name.AsSpan().IndexOfAny('*', '?') >= 0 ? "*" : "." + name + ".*" + TemporarySuffix;
        int self = Environment.ProcessId;
        try
        {
            foreach (string file in Directory.EnumerateFiles(directory, pattern, options))
            {
                if (ProcessOfTemporary(Path.GetFileName(file), name) is int owner && owner != self && !IsRunning(owner))
                {
                    TryDeleteUnused(file);
                }
            }
        }
        catch (IOException)
        {
            // The listing failed: the save itself will say whether the folder is usable.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }

    /// <summary>
    /// Deletes <paramref name="file"/> unless someone holds it open: it is opened without sharing (a lock on Unix,
    /// a sharing mode on Windows, which a writer's own open without sharing excludes) and deleted on close.
    /// </summary>
    private static void TryDeleteUnused(string file)
    {
        try
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.None, bufferSize: 1, FileOptions.DeleteOnClose);
        }
        catch (IOException)
        {
            // In use, or gone already.
        }
        catch (UnauthorizedAccessException)
        {
            // Not ours to delete.
        }
    }

    /// <summary>Whether process <paramref name="processId"/> is running on this machine (true when in doubt).</summary>
    private static bool IsRunning(int processId)
    {
        if (!OperatingSystem.IsWindows())
        {
            try
            {
                // kill(pid, 0) sends nothing: 0 means the process exists, ESRCH that it does not, EPERM that it
                // exists but belongs to another user.
                return Kill(processId, 0) == 0 || Marshal.GetLastPInvokeError() != ESRCH;
            }
            catch (DllNotFoundException)
            {
                // Fall back on the managed lookup below.
            }
            catch (EntryPointNotFoundException)
            {
                // As above.
            }
        }
        try
        {
            using Process process = Process.GetProcessById(processId);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>
    /// Flushes the folder's entry list to disk on Linux and macOS, so that a completed rename survives a power cut
    /// (POSIX makes a rename durable only once the folder is synced). Best effort: any failure is ignored, since the
    /// save itself has succeeded. Windows has no such call for folders; nothing is done there.
    /// </summary>
    private static void SyncDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        try
        {
            int flags = O_RDONLY | (OperatingSystem.IsLinux() ? O_CLOEXEC_LINUX : OperatingSystem.IsMacOS() ? O_CLOEXEC_MACOS : 0);
            int descriptor = Open(directory, flags);
            if (descriptor < 0)
            {
                return;
            }
            _ = FSync(descriptor);
            _ = Close(descriptor);
        }
        catch (DllNotFoundException)
        {
            // No libc to call: the rename stands, only its durability is not forced.
        }
        catch (EntryPointNotFoundException)
        {
            // As above.
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: the original exception is the one to report.
        }
        catch (UnauthorizedAccessException)
        {
            // Best effort, as above.
        }
    }

    private static object[] CreateLocks(int count)
    {
        var locks = new object[count];
        for (int i = 0; i < count; i++)
        {
            locks[i] = new object();
        }
        return locks;
    }

    private const int O_RDONLY = 0;
    private const int O_CLOEXEC_LINUX = 0x80000;
    private const int O_CLOEXEC_MACOS = 0x1000000;
    private const int ESRCH = 3;

    // "libc" is mapped to the C library on Linux (libc.so.6, or musl's) and macOS (libSystem) by the runtime's
    // native library loader, JIT and NativeAOT alike.
    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FSync(int descriptor);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int descriptor);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int processId, int signal);
}
