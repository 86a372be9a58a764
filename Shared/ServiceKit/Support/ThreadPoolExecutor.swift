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
    /// Lending threads that are between jobs (they will take the next one without a wake-up).
    private var idleLenders = 0
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
        // A lender busy with a job could hold this one back for as long as that job runs: wake a
        // dedicated thread unless a lender is between jobs and about to take it.
        if idleLenders == 0 { condition.signal() }
        condition.unlock()
    }

    /// Runs `work` (which typically resumes a task or yields to a stream), then queued jobs on
    /// the calling thread until the queue is empty or the budget is spent; what is left goes to
    /// the dedicated threads.
    public func runInline(after work: () -> Void = {}) {
        condition.lock()
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
        if head < jobs.count { condition.broadcast() }
        condition.unlock()
    }

    /// Lets the threads finish the queued jobs and exit; jobs enqueued after that run on
    /// Dispatch's global queue.
    public func shutdown() {
        condition.lock()
        stopped = true
        condition.broadcast()
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
