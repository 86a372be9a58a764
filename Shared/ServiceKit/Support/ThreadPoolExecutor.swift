import Foundation

/// A task executor backed by a few dedicated threads with one FIFO queue, which other threads
/// may also lend for a while (``runInline()``).
///
/// The RPC server runs its request tasks here, and the libnats thread that delivers a request
/// lends itself to run the jobs that request starts: the task runs on the thread that received
/// the message, as a C callback would, instead of waking another thread (each wake-up costs
/// tens of microseconds on a small VM). Jobs resumed from elsewhere (database replies, timers)
/// go to the dedicated threads.
public final class ThreadPoolExecutor: TaskExecutor, @unchecked Sendable {
    // @unchecked: `jobs` and `stopped` are only touched with `condition` locked.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var head = 0
    private var stopped = false
    private var inlineRunners = 0

    /// Starts `threadCount` threads (at least 1) named `name-<n>`.
    public init(name: String, threadCount: Int) {
        for index in 0..<max(1, threadCount) {
            let thread = Thread { [self] in self.work() }
            thread.name = "\(name)-\(index)"
            thread.start()
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        if inlineRunners == 0 { condition.signal() }
        condition.unlock()
    }

    /// Runs `work` (which typically resumes a task or yields to a stream), then the queued jobs
    /// on the calling thread until the queue is empty. Meanwhile new jobs do not wake the
    /// dedicated threads: this thread takes them.
    public func runInline(after work: () -> Void = {}) {
        condition.lock()
        inlineRunners += 1
        condition.unlock()
        work()
        condition.lock()
        while let job = nextJob() {
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
            condition.lock()
        }
        inlineRunners -= 1
        condition.unlock()
    }

    /// The next job, with `condition` locked.
    private func nextJob() -> UnownedJob? {
        guard head < jobs.count else { return nil }
        let job = jobs[head]
        head += 1
        if head > 1024, head * 2 > jobs.count {
            jobs.removeFirst(head)
            head = 0
        }
        return job
    }

    /// Lets the threads finish the queued jobs and exit. Jobs enqueued later still run: the
    /// threads only exit once the queue is empty.
    public func shutdown() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    private func work() {
        while true {
            condition.lock()
            while head == jobs.count, !stopped {
                condition.wait()
            }
            guard let job = nextJob() else {
                condition.unlock()
                return
            }
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
