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
    /// Jobs taken from the queue so far: the watchdog's measure of progress.
    private var taken = 0
    /// True while the watchdog thread ticks; it does while jobs are being left to busy lenders.
    private var watchdogTicking = false
    private var deferredSinceTick = false
    /// Wakes the watchdog thread from its idle wait.
    private let watchdogArm = DispatchSemaphore(value: 0)
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
        let watchdog = Thread { [self] in self.watch() }
        watchdog.name = "\(name)-watchdog"
        watchdog.start()
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

    /// With `condition` locked: makes sure the watchdog ticks. Jobs left to a busy lender are
    /// handed to the dedicated threads should a whole tick (2 ms) pass without the queue moving.
    /// While requests keep coming this costs one wake-up of the watchdog per tick, instead of a
    /// Dispatch timer (several thread wake-ups) armed per request.
    private func armWatchdog() {
        deferredSinceTick = true
        guard !watchdogTicking else { return }
        watchdogTicking = true
        watchdogArm.signal()
    }

    /// The watchdog thread: idle until armed, then ticks until 50 ms pass without a deferred job.
    private func watch() {
        while true {
            watchdogArm.wait()
            var seen = -1
            var quietTicks = 0
            while true {
                Thread.sleep(forTimeInterval: 0.002)
                condition.lock()
                if stopped {
                    condition.unlock()
                    return
                }
                let waiting = head < jobs.count
                // Jobs wait and none was taken since the last tick: the lenders are stuck.
                if waiting, taken == seen { condition.broadcast() }
                seen = taken
                quietTicks = deferredSinceTick || waiting ? 0 : quietTicks + 1
                deferredSinceTick = false
                let idle = quietTicks >= 25
                if idle { watchdogTicking = false }
                condition.unlock()
                if idle { break }
            }
        }
    }

    /// Lets the threads finish the queued jobs and exit; jobs enqueued after that run on
    /// Dispatch's global queue.
    public func shutdown() {
        condition.lock()
        stopped = true
        condition.broadcast()
        if !watchdogTicking {
            watchdogTicking = true
            watchdogArm.signal()
        }
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
        taken &+= 1
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
