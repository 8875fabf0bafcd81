#include "core/scheduler/triggerrules.h"

#include <QTest>

using namespace millrace::scheduler;

Q_DECLARE_METATYPE(TriggerRule)
Q_DECLARE_METATYPE(TriggerDecision)

namespace {
QString spell(TriggerDecision decision)
{
    switch (decision) {
    case TriggerDecision::Wait:
        return QStringLiteral("wait");
    case TriggerDecision::Run:
        return QStringLiteral("run");
    case TriggerDecision::Skip:
        return QStringLiteral("skip");
    case TriggerDecision::UpstreamFailed:
        return QStringLiteral("upstream_failed");
    }
    return QString();
}
} // namespace

/// Airflow's trigger-rule table, row by row: the states of the upstream tasks and what each rule
/// makes of them.
class TestTriggerRules : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void table_data()
    {
        QTest::addColumn<QString>("rule");
        QTest::addColumn<QStringList>("upstream");
        QTest::addColumn<QString>("decision");

        const auto row = [](const char *name, const char *rule, QStringList upstream,
                            const char *decision) {
            QTest::newRow(name) << QString::fromLatin1(rule) << upstream
                                << QString::fromLatin1(decision);
        };
        // No upstream: every rule runs.
        for (const char *rule : {"all_success", "all_done", "all_failed", "one_success",
                                 "one_failed", "none_failed", "always"})
            row(qPrintable(QStringLiteral("%1 without upstream").arg(QLatin1String(rule))), rule,
                {}, "run");

        row("all_success: all succeeded", "all_success", {"success", "success"}, "run");
        row("all_success: one still running", "all_success", {"success", "running"}, "wait");
        row("all_success: one failed, one running", "all_success", {"failed", "running"},
            "upstream_failed");
        row("all_success: upstream_failed spreads", "all_success", {"upstream_failed", "success"},
            "upstream_failed");
        row("all_success: one skipped", "all_success", {"success", "skipped"}, "skip");
        row("all_success: up_for_retry waits", "all_success", {"up_for_retry", "success"}, "wait");

        row("all_done: mixed finished", "all_done", {"success", "failed", "skipped"}, "run");
        row("all_done: one running", "all_done", {"failed", "running"}, "wait");
        row("all_done: one up for retry", "all_done", {"failed", "up_for_retry"}, "wait");

        row("all_failed: all failed", "all_failed", {"failed", "upstream_failed"}, "run");
        row("all_failed: one succeeded", "all_failed", {"failed", "success"}, "skip");
        row("all_failed: one skipped", "all_failed", {"failed", "skipped"}, "skip");
        row("all_failed: one running", "all_failed", {"failed", "running"}, "wait");

        row("one_success: first success runs at once", "one_success", {"success", "running"},
            "run");
        row("one_success: none yet", "one_success", {"failed", "running"}, "wait");
        row("one_success: all failed", "one_success", {"failed", "failed"}, "upstream_failed");
        row("one_success: all skipped", "one_success", {"skipped", "skipped"}, "skip");

        row("one_failed: first failure runs at once", "one_failed", {"failed", "running"}, "run");
        row("one_failed: upstream_failed counts", "one_failed", {"upstream_failed", "success"},
            "run");
        row("one_failed: none failed", "one_failed", {"success", "skipped"}, "skip");
        row("one_failed: not yet", "one_failed", {"success", "running"}, "wait");

        row("none_failed: success and skipped", "none_failed", {"success", "skipped"}, "run");
        row("none_failed: a failure", "none_failed", {"success", "failed"}, "upstream_failed");
        row("none_failed: upstream_failed", "none_failed", {"upstream_failed"}, "upstream_failed");
        row("none_failed: one running", "none_failed", {"skipped", "running"}, "wait");

        row("always: even while upstream runs", "always", {"running", "failed"}, "run");
        row("removed counts as skipped", "all_success", {"removed", "success"}, "skip");
    }

    void table()
    {
        QFETCH(QString, rule);
        QFETCH(QStringList, upstream);
        QFETCH(QString, decision);
        const auto parsedRule = triggerRuleFromString(rule);
        QVERIFY2(parsedRule, qPrintable(rule));
        QList<TaskState> states;
        for (const QString &state : upstream) {
            const auto parsed = taskStateFromString(state);
            QVERIFY2(parsed, qPrintable(state));
            states.append(*parsed);
        }
        QCOMPARE(spell(decideTrigger(*parsedRule, UpstreamStates::count(states))), decision);
    }

    void spellingsRoundTrip()
    {
        for (TaskState state : {TaskState::None, TaskState::Scheduled, TaskState::Running,
                                TaskState::Success, TaskState::Failed, TaskState::UpForRetry,
                                TaskState::UpstreamFailed, TaskState::Skipped, TaskState::Removed})
            QVERIFY(taskStateFromString(toString(state)) == state);
        for (RunState state :
             {RunState::Queued, RunState::Running, RunState::Success, RunState::Failed})
            QVERIFY(runStateFromString(toString(state)) == state);
        QVERIFY(!taskStateFromString(QStringLiteral("done")));
    }
};

QTEST_GUILESS_MAIN(TestTriggerRules)
#include "tst_triggerrules.moc"
