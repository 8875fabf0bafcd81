#include "core/scheduler/dagspec.h"

#include <algorithm>
#include <array>
#include <utility>

namespace millrace::scheduler {

namespace {

// One table for both directions, so a new rule cannot be spelled in one and missing in the other.
const std::array<std::pair<TriggerRule, const char16_t *>, 7> kTriggerRules{{
    {TriggerRule::AllSuccess, u"all_success"},
    {TriggerRule::AllDone, u"all_done"},
    {TriggerRule::AllFailed, u"all_failed"},
    {TriggerRule::OneSuccess, u"one_success"},
    {TriggerRule::OneFailed, u"one_failed"},
    {TriggerRule::NoneFailed, u"none_failed"},
    {TriggerRule::Always, u"always"},
}};

} // namespace

QString toString(TriggerRule rule)
{
    for (const auto &[value, name] : kTriggerRules) {
        if (value == rule)
            return QString::fromUtf16(name);
    }
    return QString();
}

std::optional<TriggerRule> triggerRuleFromString(const QString &text)
{
    for (const auto &[value, name] : kTriggerRules) {
        if (text == QStringView(name))
            return value;
    }
    return std::nullopt;
}

std::chrono::milliseconds RetryPolicy::delayBefore(int tryNumber) const
{
    using std::chrono::milliseconds;
    if (tryNumber < 2)
        return milliseconds(0);
    // As in Airflow, max_retry_delay only caps the growing wait of exponential backoff.
    if (!exponentialBackoff || delay.count() <= 0)
        return delay;

    // Without a cap the wait stops growing at a day, as Airflow's does; doubling step by step
    // up to the cap keeps a try number in the thousands from overflowing the 64-bit count.
    const milliseconds ceiling =
        maxDelay ? *maxDelay : std::max(delay, milliseconds(std::chrono::hours(24)));
    milliseconds wait = delay;
    for (int retry = 2; retry < tryNumber && wait < ceiling; ++retry)
        wait *= 2;
    return std::min(wait, ceiling);
}

const TaskSpec *DagSpec::task(const QString &taskId) const
{
    const auto found = std::find_if(tasks.begin(), tasks.end(),
                                    [&](const TaskSpec &task) { return task.id == taskId; });
    return found == tasks.end() ? nullptr : &*found;
}

QStringList DagSpec::downstream(const QString &taskId) const
{
    QStringList ids;
    for (const TaskSpec &task : tasks) {
        if (task.upstream.contains(taskId))
            ids.append(task.id);
    }
    return ids;
}

QString DagFileError::toString() const
{
    QString text = file;
    if (line > 0) {
        text += u':' + QString::number(line);
        if (column > 0)
            text += u':' + QString::number(column);
    }
    return text + u": " + message;
}

} // namespace millrace::scheduler
