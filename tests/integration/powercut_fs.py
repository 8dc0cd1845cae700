"""powercut_fs - a FUSE file system for crash tests that loses, at a
simulated power cut, everything not yet synced.

    python3 powercut_fs.py BACKING SHADOW MOUNTPOINT   (stays in foreground)

It passes every operation through to the BACKING folder (the current
state) and keeps the durable state apart:
  - file data and size become durable on fsync/fdatasync of that file
    (the byte ranges written or truncated since the last sync are copied
    to SHADOW/<id>);
  - directory entries (create, mkdir, rename, unlink, rmdir, link,
    symlink) become durable only on fsync of the directory itself, which
    records the directory's entries as they are at that moment. An fsync
    of a file does not make its name durable (stricter than ext4, as
    strict as POSIX).
Setting the extended attribute "user.powercut" on the mount root is the
power cut: BACKING is rebuilt from the durable state alone (a file never
synced is empty; a name never synced is gone), and every later write
fails with EIO, so that nothing the kernel still flushes (mmap pages of
SQLite's -shm) reaches the rebuilt tree. Unmount and mount again to go
on: what was there at mount time counts as durable.

Mount options: no direct_io (SQLite maps its -shm file with mmap, which
FUSE supports only through the page cache); hard_remove (an unlinked
open file stays readable through its handle, as on a disk).

Powercut below drives it from a test: mount, crash, unmount (always, even
when a test fails)."""
import errno
import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time

INF = 1 << 62


def _load_fusepy():
    try:
        import fusepy as fuse      # Debian's python3-fusepy
    except ImportError:
        import fuse                # pip's fusepy
    return fuse


class PowercutFS:
    """The Operations object (fusepy calls its methods by name)."""

    use_ns = True

    def __init__(self, backing, shadow):
        self.root = os.path.realpath(backing)
        self.shadow = os.path.realpath(shadow)
        self.mu = threading.RLock()
        self.crashed = False
        self.next_id = 1
        self.ids = {}       # backing inode number -> id
        self.kind = {}      # id -> "d", "f" or ("l", target)
        self.mode = {}      # id -> durable permission bits
        self.dents = {}     # directory id -> {name: id}, durable entries
        self.dirty = {}     # file id -> [(start, end)] written since sync
        self.stats = {"fsync": 0, "fsyncdir": 0}
        shutil.rmtree(self.shadow, ignore_errors=True)
        os.makedirs(self.shadow)
        self._snapshot()

    # --- identity -------------------------------------------------------

    def _new_id(self, st):
        i = self.next_id
        self.next_id += 1
        self.ids[st.st_ino] = i
        if stat.S_ISDIR(st.st_mode):
            self.kind[i] = "d"
        elif stat.S_ISLNK(st.st_mode):
            self.kind[i] = "l"
        else:
            self.kind[i] = "f"
        self.mode[i] = stat.S_IMODE(st.st_mode)
        return i

    def _id(self, st):
        i = self.ids.get(st.st_ino)
        return i if i is not None else self._new_id(st)

    def _forget_if_last(self, st):
        """the last name of an inode goes: its number may be reused by a
        new file, which must not inherit this one's durable state"""
        if stat.S_ISDIR(st.st_mode) or st.st_nlink <= 1:
            self.ids.pop(st.st_ino, None)

    def _snapshot(self):
        """everything in BACKING now is durable"""
        def walk(path):
            st = os.lstat(path)
            i = self._id(st)
            if stat.S_ISDIR(st.st_mode):
                ents = {}
                for name in os.listdir(path):
                    ents[name] = walk(os.path.join(path, name))
                self.dents[i] = ents
            elif stat.S_ISLNK(st.st_mode):
                self.kind[i] = ("l", os.readlink(path))
            elif not os.path.exists(self._shadow(i)):
                shutil.copyfile(path, self._shadow(i))
            return i
        self.root_id = walk(self.root)

    def _shadow(self, i):
        return os.path.join(self.shadow, str(i))

    def _p(self, path):
        return os.path.join(self.root, path.lstrip("/"))

    def _check(self):
        if self.crashed:
            raise self.fuse.FuseOSError(errno.EIO)

    def _mark(self, i, start, end):
        self.dirty.setdefault(i, []).append((start, end))

    # --- the durable-state bookkeeping ----------------------------------

    def fsync(self, path, datasync, fh):
        with self.mu:
            self._check()
            st = os.fstat(fh)
            i = self._id(st)
            self.stats["fsync"] += 1
            if self.kind.get(i) != "f":
                return 0
            size = st.st_size
            sp = self._shadow(i)
            fd = os.open(sp, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                for start, end in self.dirty.pop(i, []):
                    off, end = start, min(end, size)
                    while off < end:
                        data = os.pread(fh, min(end - off, 1 << 20), off)
                        if not data:
                            break
                        os.pwrite(fd, data, off)
                        off += len(data)
                os.ftruncate(fd, size)
            finally:
                os.close(fd)
            self.mode[i] = stat.S_IMODE(st.st_mode)
            return 0

    def fsyncdir(self, path, datasync, fh):
        with self.mu:
            self._check()
            p = self._p(path)
            i = self._id(os.lstat(p))
            self.stats["fsyncdir"] += 1
            ents = {}
            for name in os.listdir(p):
                cst = os.lstat(os.path.join(p, name))
                c = self._id(cst)
                if stat.S_ISLNK(cst.st_mode):
                    self.kind[c] = ("l", os.readlink(os.path.join(p, name)))
                if stat.S_ISDIR(cst.st_mode):
                    self.mode[c] = stat.S_IMODE(cst.st_mode)
                ents[name] = c
            self.dents[i] = ents
            return 0

    def crash(self):
        """rebuild BACKING from the durable state alone"""
        with self.mu:
            self.crashed = True
            new = self.root + ".powercut"
            old = self.root + ".lost"
            shutil.rmtree(new, ignore_errors=True)
            shutil.rmtree(old, ignore_errors=True)
            os.mkdir(new, self.mode.get(self.root_id, 0o755))
            made = {}       # file id -> first path (hard links)

            def build(dir_id, path, depth):
                if depth > 64:
                    return
                for name, c in self.dents.get(dir_id, {}).items():
                    q = os.path.join(path, name)
                    k = self.kind.get(c)
                    if k == "d":
                        os.mkdir(q, self.mode.get(c, 0o700))
                        build(c, q, depth + 1)
                    elif isinstance(k, tuple):
                        os.symlink(k[1], q)
                    elif c in made:
                        os.link(made[c], q)
                    else:
                        sp = self._shadow(c)
                        if os.path.exists(sp):
                            shutil.copyfile(sp, q)
                        else:
                            open(q, "wb").close()
                        os.chmod(q, self.mode.get(c, 0o600))
                        made[c] = q
            build(self.root_id, new, 0)
            # swap the contents (the root folder itself stays: it may be
            # a path the test named)
            os.mkdir(old)
            for name in os.listdir(self.root):
                os.rename(os.path.join(self.root, name),
                          os.path.join(old, name))
            for name in os.listdir(new):
                os.rename(os.path.join(new, name),
                          os.path.join(self.root, name))
            os.rmdir(new)
            shutil.rmtree(old, ignore_errors=True)

    # --- pass-through ----------------------------------------------------

    def __call__(self, op, *args):
        f = getattr(self, op, None)
        if f is None:
            raise self.fuse.FuseOSError(errno.ENOSYS)
        try:
            return f(*args)
        except OSError as e:
            raise self.fuse.FuseOSError(e.errno or errno.EIO)

    def _attrs(self, st):
        d = {k: getattr(st, k) for k in ("st_mode", "st_nlink", "st_uid",
                                         "st_gid", "st_size", "st_ino")}
        for k in ("st_atime", "st_mtime", "st_ctime"):
            d[k] = getattr(st, k + "_ns")       # use_ns
        return d

    def getattr(self, path, fh=None):
        st = os.fstat(fh) if fh is not None else os.lstat(self._p(path))
        return self._attrs(st)

    def access(self, path, amode):
        if not os.access(self._p(path), amode):
            raise OSError(errno.EACCES, "access")
        return 0

    def statfs(self, path):
        sv = os.statvfs(self._p(path))
        return {k: getattr(sv, k) for k in (
            "f_bavail", "f_bfree", "f_blocks", "f_bsize", "f_favail",
            "f_ffree", "f_files", "f_flag", "f_frsize", "f_namemax")}

    def readdir(self, path, fh):
        return [".", ".."] + os.listdir(self._p(path))

    def opendir(self, path):
        return 0

    def releasedir(self, path, fh):
        return 0

    def readlink(self, path):
        return os.readlink(self._p(path))

    def open(self, path, flags):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_TRUNC):
            self._check()
        # always read-write (fsync reads back through this handle); no
        # O_APPEND: writes come with their offset from the kernel
        fl = flags & ~(os.O_ACCMODE | os.O_APPEND | os.O_CREAT | os.O_EXCL)
        with self.mu:
            fd = os.open(self._p(path), fl | os.O_RDWR)
            if flags & os.O_TRUNC:
                self._mark(self._id(os.fstat(fd)), 0, INF)
            return fd

    def create(self, path, mode, fi=None):
        with self.mu:
            self._check()
            fd = os.open(self._p(path), os.O_RDWR | os.O_CREAT, mode)
            self._new_id(os.fstat(fd))
            return fd

    def read(self, path, size, offset, fh):
        return os.pread(fh, size, offset)

    def write(self, path, data, offset, fh):
        with self.mu:
            self._check()
            n = os.pwrite(fh, data, offset)
            self._mark(self._id(os.fstat(fh)), offset, offset + n)
            return n

    def truncate(self, path, length, fh=None):
        with self.mu:
            self._check()
            if fh is not None:
                os.ftruncate(fh, length)
                st = os.fstat(fh)
            else:
                os.truncate(self._p(path), length)
                st = os.lstat(self._p(path))
            self._mark(self._id(st), length, INF)
            return 0

    def flush(self, path, fh):
        return 0

    def release(self, path, fh):
        os.close(fh)
        return 0

    def mkdir(self, path, mode):
        with self.mu:
            self._check()
            os.mkdir(self._p(path), mode)
            self._new_id(os.lstat(self._p(path)))
            return 0

    def mknod(self, path, mode, dev):
        with self.mu:
            self._check()
            os.mknod(self._p(path), mode, dev)
            self._new_id(os.lstat(self._p(path)))
            return 0

    def symlink(self, target, source):
        with self.mu:
            self._check()
            os.symlink(source, self._p(target))
            i = self._new_id(os.lstat(self._p(target)))
            self.kind[i] = ("l", source)
            return 0

    def link(self, target, source):
        with self.mu:
            self._check()
            os.link(self._p(source), self._p(target))
            return 0

    def unlink(self, path):
        with self.mu:
            self._check()
            st = os.lstat(self._p(path))
            os.unlink(self._p(path))
            self._forget_if_last(st)
            return 0

    def rmdir(self, path):
        with self.mu:
            self._check()
            st = os.lstat(self._p(path))
            os.rmdir(self._p(path))
            self._forget_if_last(st)
            return 0

    def rename(self, old, new):
        with self.mu:
            self._check()
            try:
                over = os.lstat(self._p(new))
            except FileNotFoundError:
                over = None
            os.rename(self._p(old), self._p(new))
            if over is not None:
                self._forget_if_last(over)
            return 0

    def chmod(self, path, mode):
        self._check()
        os.chmod(self._p(path), mode)
        return 0

    def chown(self, path, uid, gid):
        self._check()
        os.chown(self._p(path), uid, gid, follow_symlinks=False)
        return 0

    def utimens(self, path, times=None):
        self._check()
        if times is None:
            os.utime(self._p(path), follow_symlinks=False)
        else:
            os.utime(self._p(path), ns=times, follow_symlinks=False)
        return 0

    def setxattr(self, path, name, value, options, position=0):
        if path == "/" and name == "user.powercut":
            self.crash()
            return 0
        raise OSError(errno.ENOTSUP, "xattr")

    def getxattr(self, path, name, position=0):
        if path == "/" and name == "user.powercut-stats":
            return ("fsync=%(fsync)d fsyncdir=%(fsyncdir)d" %
                    self.stats).encode()
        raise OSError(errno.ENODATA, "xattr")

    def listxattr(self, path):
        return []


def main(argv):
    backing, shadow, mnt = argv[1:4]
    fuse = _load_fusepy()
    ops = PowercutFS(backing, shadow)
    ops.fuse = fuse
    fuse.FUSE(ops, mnt, foreground=True, nothreads=False, hard_remove=True,
              fsname="powercut", subtype="powercut")
    return 0


# --- driving it from a test ---------------------------------------------

def fuse_available():
    """why this machine cannot run the mount, or None"""
    if not os.path.exists("/dev/fuse"):
        return "no /dev/fuse"
    p = subprocess.run([sys.executable, "-c", "try:\n import fusepy\n"
                        "except ImportError:\n import fuse"],
                       env=_daemon_env(), capture_output=True, text=True)
    if p.returncode != 0:
        return "fusepy missing (Debian python3-fusepy): " + p.stderr[-200:]
    return None


def _daemon_env():
    env = dict(os.environ)
    # Debian's python3-fusepy lives in the system dist-packages, which an
    # interpreter of its own (a virtualenv, pyenv) does not search
    extra = "/usr/lib/python3/dist-packages"
    env["PYTHONPATH"] = (env["PYTHONPATH"] + ":" + extra
                         if env.get("PYTHONPATH") else extra)
    return env


def _mounted(mnt):
    mnt = os.path.realpath(mnt)
    with open("/proc/self/mounts") as f:
        return any(line.split()[1] == mnt for line in f)


class Powercut:
    """One mount of PowercutFS over mnt, backed by backing."""

    def __init__(self, backing, shadow, mnt, log):
        self.backing, self.shadow, self.mnt, self.log = (
            backing, shadow, mnt, log)
        self.proc = None
        for d in (backing, mnt):
            os.makedirs(d, exist_ok=True)

    def mount(self, timeout=30):
        self.logf = open(self.log, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), self.backing,
             self.shadow, self.mnt],
            stdout=self.logf, stderr=subprocess.STDOUT, env=_daemon_env())
        deadline = time.time() + timeout
        while not _mounted(self.mnt):
            if self.proc.poll() is not None or time.time() > deadline:
                self.unmount()
                with open(self.log, errors="replace") as f:
                    raise AssertionError("powercut_fs did not mount:\n" +
                                         f.read())
            time.sleep(0.05)

    def crash(self):
        """the power cut: drop every change not synced"""
        os.setxattr(self.mnt, "user.powercut", b"1")

    def stats(self):
        return os.getxattr(self.mnt, "user.powercut-stats").decode()

    def unmount(self, timeout=30):
        """unmount (lazily if busy) and wait for the daemon to exit"""
        if self.proc is None:
            return
        deadline = time.time() + timeout
        while _mounted(self.mnt) and time.time() < deadline:
            for cmd in (["fusermount", "-u", self.mnt],
                        ["umount", self.mnt]):
                try:
                    if subprocess.run(cmd, capture_output=True).returncode == 0:
                        break
                except OSError:
                    continue
            else:
                time.sleep(0.1)
        if _mounted(self.mnt):
            subprocess.run(["umount", "-l", self.mnt], capture_output=True)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        self.proc = None
        self.logf.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
