/*
 * wrunc-tramp: the one stage the kernel forces to be single-threaded. It joins and creates
 * namespaces, forks so that its child is PID 1 of a new PID namespace, and execs the next
 * stage. It makes no decisions: the host says what to do in argv and on the sync socket.
 *
 *   wrunc-tramp SYNCFD CLONEFLAGS MODE FIFO TIMENS [FLAG:PATH ...] -- PROGRAM [ARG ...]
 *
 *   SYNCFD      a stream socket to the host; the child keeps it (the next stage uses it)
 *   CLONEFLAGS  CLONE_NEW* flags of the namespaces to create (CLONE_NEWUSER first, with maps)
 *   MODE        "create": report the child and exit; "run": wait for the child, forward
 *               signals to it and exit with its status (128+signal when it was killed)
 *   FIFO        "-", or exec.fifo to make (mode 0622, as runc) and open O_PATH as fd SYNCFD+1,
 *               with the host's credentials: the container's user may not reach the state
 *               directory, and after pivot_root nobody can. (Here, not in Node, which has no
 *               mkfifo: running mkfifo(1) costs a process.)
 *   TIMENS      "-", or the lines for /proc/self/timens_offsets ("monotonic SECS NSECS\n..."),
 *               written after creating a time namespace and before the child enters it
 *   FLAG:PATH   namespaces to join, in order (a user namespace first), e.g. 0x40000000:/proc/1/ns/net
 *
 * Protocol on SYNCFD:
 *   host -> tramp  one byte: 'G' go (the host has placed us in the cgroup),
 *                  'M' the id maps of our new user namespace are written
 *   tramp -> host  one text line each: "userns" (write the id maps of this pid now),
 *                  "pid N" (the child's pid as the host sees it), "error STAGE ERRNO"
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_JOIN 16

static int sync_fd = -1;
static volatile pid_t child = -1;

static void report(const char *fmt, ...)
{
	char line[128];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	for (int off = 0; off < n;) {
		ssize_t w = write(sync_fd, line + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			_exit(1);
		off += w;
	}
}

static void fail(const char *stage)
{
	report("error %s %d\n", stage, errno);
	_exit(1);
}

static void expect(char want)
{
	char got;
	ssize_t n;
	do
		n = read(sync_fd, &got, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1 || got != want) {
		errno = n < 0 ? errno : EPROTO;
		fail("sync");
	}
}

/* in a user namespace we start as the overflow id; become its root before anything else */
static void become_root(void)
{
	if (setresgid(0, 0, 0) < 0)
		fail("setresgid");
	if (setresuid(0, 0, 0) < 0)
		fail("setresuid");
}

static void make_fifo(const char *path)
{
	/* chmod: mkfifo's mode passes through the umask */
	if (mkfifo(path, 0622) < 0 || chmod(path, 0622) < 0)
		fail("mkfifo");
	/* inherited by the next stage: no O_CLOEXEC, and it may land on SYNCFD+1 by itself */
	int fd = open(path, O_PATH);
	if (fd < 0 || (fd != sync_fd + 1 && (dup2(fd, sync_fd + 1) < 0 || close(fd) < 0)))
		fail("mkfifo");
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(text);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len)
		fail("timens-offsets");
	close(fd);
}

static void forward(int sig)
{
	if (child > 0)
		kill(child, sig);
}

static int wait_and_mirror(sigset_t *saved)
{
	struct sigaction sa = { .sa_handler = forward };
	sigemptyset(&sa.sa_mask);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && sig != SIGCHLD)
			sigaction(sig, &sa, NULL); /* glibc's reserved real-time signals fail: fine */
	sigprocmask(SIG_SETMASK, saved, NULL);

	int status;
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			return 1;
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
	if (argc < 8) {
		fprintf(stderr, "usage: wrunc-tramp SYNCFD CLONEFLAGS create|run FIFO|- TIMENS|- [FLAG:PATH ...] -- PROGRAM [ARG ...]\n");
		return 2;
	}
	sync_fd = atoi(argv[1]);
	unsigned long clone_flags = strtoul(argv[2], NULL, 0);
	int run = strcmp(argv[3], "run") == 0;
	int i = 6;
	while (i < argc && strcmp(argv[i], "--") != 0)
		i++;
	if (i + 1 >= argc || i - 6 > MAX_JOIN) {
		errno = EINVAL;
		fail("args");
	}
	char **program = argv + i + 1;

	/* nothing that can fail before 'G': the host reads our reports only after writing it */
	expect('G');
	if (strcmp(argv[4], "-") != 0)
		make_fifo(argv[4]);

	/* open every namespace first: after joining a mount namespace, paths mean something else */
	int join_fd[MAX_JOIN], join_type[MAX_JOIN], njoin = 0;
	for (int j = 6; j < i; j++, njoin++) {
		char *path;
		join_type[njoin] = (int)strtoul(argv[j], &path, 0);
		if (*path != ':') {
			errno = EINVAL;
			fail("args");
		}
		join_fd[njoin] = open(path + 1, O_RDONLY | O_CLOEXEC);
		if (join_fd[njoin] < 0)
			fail("open-ns");
	}

	for (int j = 0; j < njoin; j++) {
		if (setns(join_fd[j], join_type[j]) < 0)
			fail("setns");
		close(join_fd[j]);
		if (join_type[j] == CLONE_NEWUSER)
			become_root();
	}

	if (clone_flags & CLONE_NEWUSER) {
		if (unshare(CLONE_NEWUSER) < 0)
			fail("unshare-user");
		report("userns\n");
		expect('M');
		become_root();
	}
	clone_flags &= ~(unsigned long)CLONE_NEWUSER;
	if (clone_flags && unshare((int)clone_flags) < 0)
		fail("unshare");
	if ((clone_flags & CLONE_NEWTIME) && strcmp(argv[5], "-") != 0)
		write_file("/proc/self/timens_offsets", argv[5]);

	/* no signal may hit the parent between fork and installing the forwarders */
	sigset_t all, saved;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &saved);
	child = fork();
	if (child < 0)
		fail("fork");
	if (child == 0) {
		sigprocmask(SIG_SETMASK, &saved, NULL);
		execv(program[0], program);
		fail("exec");
	}
	report("pid %d\n", (int)child);
	if (!run)
		return 0;
	close(sync_fd);
	return wait_and_mirror(&saved);
}
