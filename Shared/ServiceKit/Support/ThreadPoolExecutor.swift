import Dispatch
import Foundation

/// A task executor backed by a few dedicated threads with one FIFO queue, which other threads
/// may also lend for a while (``runInline(after:)``).
///
/// The RPC server runs its request tasks here, and the libnats thread that delivers a request
/// lends itself to run the jobs that request starts: the task runs on the thread that received
/// the message, as a C callback would, instead of waking another thread (each wake-up costs
/// tens of microseconds on a small VM). Jobs resumed from elsewhere (database replies, timers)
/// go to the dedicated threads.
public final class ThreadPoolExecutor: TaskExecutor, @unchecked Sendable {
    // @unchecked: every stored var is only touched with `condition` locked.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var head = 0
    private var stopped = false
    private var liveThreads = 0
    /// Lending threads in ``runInline(after:)``, and those of them between jobs (they take the
    /// next job without a wake-up).
    private var lenders = 0
    private var idleLenders = 0
    private var watchdogArmed = false
    /// How many jobs one lending thread runs before it hands the rest to the dedicated threads,
    /// so a busy queue never holds a libnats delivery thread for long.
    private let inlineBudget = 32

    /// Starts `threadCount` threads (at least 1) named `name-<n>`.
    public init(name: String, threadCount: Int) {
        let count = max(1, threadCount)
        liveThreads = count
        for index in 0..<count {
            let thread = Thread { [self] in self.work() }
            thread.name = "\(name)-\(index)"
            thread.start()
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        if stopped, liveThreads == 0 {
            // After shutdown nothing reads the queue any more: run the job elsewhere rather than never.
            condition.unlock()
            DispatchQueue.global().async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
            return
        }
        jobs.append(job)
        let busyLenders = lenders - idleLenders
        if idleLenders > 0 {
            // A lender between jobs takes it at once.
        } else if busyLenders > 0, jobs.count - head <= busyLenders {
            // Most likely enqueued by the lender's own job (a stream consumer starting a request
            // task): it takes it when that job returns, microseconds from now. Should that job
            // run long, the watchdog hands the queue to the dedicated threads.
            armWatchdog()
        } else {
            condition.signal()
        }
        condition.unlock()
    }

    /// Runs `work` (which typically resumes a task or yields to a stream), then queued jobs on
    /// the calling thread until the queue is empty or the budget is spent; what is left goes to
    /// the dedicated threads.
    public func runInline(after work: () -> Void = {}) {
        condition.lock()
        lenders += 1
        idleLenders += 1
        condition.unlock()
        work()
        condition.lock()
        var budget = inlineBudget
        while budget > 0, let job = nextJob() {
            budget -= 1
            idleLenders -= 1
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
            condition.lock()
            idleLenders += 1
        }
        idleLenders -= 1
        lenders -= 1
        if head < jobs.count { condition.broadcast() }
        condition.unlock()
    }

    /// With `condition` locked: in 2 ms, wake the dedicated threads if jobs still wait.
    private func armWatchdog() {
        guard !watchdogArmed else { return }
        watchdogArmed = true
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(2)) { [weak self] in
            guard let self else { return }
            self.condition.lock()
            self.watchdogArmed = false
            if self.head < self.jobs.count { self.condition.broadcast() }
            self.condition.unlock()
        }
    }

    /// Lets the threads finish the queued jobs and exit; jobs enqueued after that run on
    /// Dispatch's global queue.
    public func shutdown() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// Dedicated threads still running (tests).
    var liveThreadCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return liveThreads
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

    private func work() {
        while true {
            condition.lock()
            while head == jobs.count, !stopped {
                condition.wait()
            }
            guard let job = nextJob() else {
                liveThreads -= 1
                condition.unlock()
                return
            }
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
