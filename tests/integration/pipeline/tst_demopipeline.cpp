// The shipped pipeline end to end, as a new user meets it: `millrace --headless --example-dags`
// on an empty workspace, at demo speed, with the embedded broker. Within ten minutes the initial
// model is trained and registered, the stream publishes samples, and an update run drains them,
// fine-tunes, judges the challenger and promotes it or keeps the champion, with the reason in
// the registry. Everything is read the way a user would read it: through the CLI, while the app
// runs.

#include <QDir>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace Qt::StringLiterals;

namespace {

// The acceptance deadline, from the app's start on an empty workspace.
constexpr qint64 kDeadlineMs = 10 * 60 * 1000;

// The run's tasks by id, from `tasks list --json`.
QHash<QString, QJsonObject> tasksById(const QJsonObject &list)
{
    QHash<QString, QJsonObject> byId;
    for (const QJsonValue &task : list.value(u"task_instances"_s).toArray())
        byId.insert(task[u"task_id"_s].toString(), task.toObject());
    return byId;
}

qint64 messagesOn(const QJsonObject &topic)
{
    qint64 total = 0;
    for (const QJsonValue &partition : topic.value(u"partitions"_s).toArray())
        total += partition[u"high_watermark"_s].toInteger();
    return total;
}

} // namespace

class TestDemoPipeline : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void newWorkspaceUpdatesItsModelWithinTenMinutes();

private:
    QJsonObject cli(const QStringList &arguments);
    QJsonArray runsOf(const QString &dagId);
    QJsonObject waitForRun(const QString &dagId,
                           const std::function<bool(const QJsonObject &)> &done);
    QString diagnosis(const QString &dagId, const QString &runId);

    QString m_binary;
    QTemporaryDir m_dir;
    QProcess m_app;
    QElapsedTimer m_clock;
};

void TestDemoPipeline::initTestCase()
{
    m_binary = qEnvironmentVariable("MILLRACE_BIN");
    QVERIFY2(QFileInfo(m_binary).isExecutable(), "MILLRACE_BIN must name the built millrace");
    QVERIFY(m_dir.isValid());
}

void TestDemoPipeline::cleanupTestCase()
{
    if (m_app.state() != QProcess::NotRunning) {
        m_app.kill();
        m_app.waitForFinished(10000);
    }
}

// Runs `millrace --workspace DIR ARGS… --json` and returns the JSON it printed ({} on failure,
// with the reason in the test's log).
QJsonObject TestDemoPipeline::cli(const QStringList &arguments)
{
    QProcess process;
    process.start(m_binary, QStringList{u"--workspace"_s, m_dir.path()} + arguments
                                + QStringList{u"--json"_s});
    if (!process.waitForFinished(60000) || process.exitCode() != 0) {
        qWarning().noquote() << "millrace" << arguments.join(u' ')
                             << "failed:" << process.readAllStandardError();
        return {};
    }
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(process.readAllStandardOutput(), &error);
    if (error.error != QJsonParseError::NoError)
        qWarning() << "millrace" << arguments.join(u' ')
                   << "printed no JSON:" << error.errorString();
    return document.object();
}

QJsonArray TestDemoPipeline::runsOf(const QString &dagId)
{
    return cli({u"dags"_s, u"runs"_s, dagId}).value(u"dag_runs"_s).toArray();
}

// Polls `dags runs DAG` until a run satisfies `done` and returns it; {} when the deadline passes
// or a run of the DAG fails (its tasks and their messages are then in the test's log).
QJsonObject TestDemoPipeline::waitForRun(const QString &dagId,
                                         const std::function<bool(const QJsonObject &)> &done)
{
    while (m_clock.elapsed() < kDeadlineMs) {
        for (const QJsonValue &value : runsOf(dagId)) {
            const QJsonObject run = value.toObject();
            if (run[u"state"_s] == u"failed"_s) {
                qWarning().noquote() << diagnosis(dagId, run[u"dag_run_id"_s].toString());
                return {};
            }
            if (done(run))
                return run;
        }
        if (m_app.state() != QProcess::Running) {
            qWarning().noquote() << "the app stopped:" << m_app.readAll();
            return {};
        }
        QTest::qWait(2000);
    }
    qWarning() << dagId << "did not get there in 10 minutes; its runs:" << runsOf(dagId);
    return {};
}

QString TestDemoPipeline::diagnosis(const QString &dagId, const QString &runId)
{
    QString text = u"%1 run %2 failed:"_s.arg(dagId, runId);
    const auto tasks = tasksById(cli({u"tasks"_s, u"list"_s, dagId, runId}));
    for (const QJsonObject &task : tasks) {
        text += u"\n  %1: %2 %3"_s.arg(task[u"task_id"_s].toString(), task[u"state"_s].toString(),
                                       task[u"message"_s].toString());
    }
    return text;
}

void TestDemoPipeline::newWorkspaceUpdatesItsModelWithinTenMinutes()
{
    m_clock.start();
    m_app.setProcessChannelMode(QProcess::MergedChannels);
    m_app.start(m_binary, {u"--headless"_s, u"--example-dags"_s, u"--tracking-port"_s, u"0"_s,
                           u"--workspace"_s, m_dir.path()});
    QVERIFY2(m_app.waitForStarted(), qPrintable(m_app.errorString()));
    QByteArray output;
    QTRY_VERIFY_WITH_TIMEOUT((output += m_app.readAll()).contains("running headless"), 60000);

    // The three DAGs are installed, unpaused, at demo speed.
    const QJsonArray dags = cli({u"dags"_s, u"list"_s}).value(u"dags"_s).toArray();
    QStringList dagIds;
    for (const QJsonValue &dag : dags) {
        dagIds.append(dag[u"dag_id"_s].toString());
        QCOMPARE(dag[u"is_paused"_s].toBool(), false);
    }
    dagIds.sort();
    QCOMPARE(dagIds, (QStringList{u"initial_model"_s, u"stream"_s, u"update_model"_s}));

    // 1. The initial model: data split, CNN trained, registered as the Production champion,
    // exported to ONNX.
    const QJsonObject initial = waitForRun(
        u"initial_model"_s, [](const QJsonObject &run) { return run[u"state"_s] == u"success"_s; });
    QVERIFY2(!initial.isEmpty(), "the initial model was not trained and registered");
    const auto initialTasks = tasksById(
        cli({u"tasks"_s, u"list"_s, u"initial_model"_s, initial[u"dag_run_id"_s].toString()}));
    for (const QString &task : {u"prepare"_s, u"train"_s, u"register"_s, u"export_onnx"_s})
        QCOMPARE(initialTasks.value(task)[u"state"_s].toString(), u"success"_s);
    const QString firstVersion =
        QString::number(initialTasks.value(u"register"_s)[u"result"_s][u"version"_s].toInteger());
    QCOMPARE(firstVersion, u"1"_s);
    qInfo("initial model registered after %lld s", m_clock.elapsed() / 1000);

    // 2. The stream: each run published its samples to fashion-stream.
    const QJsonObject streamed = waitForRun(
        u"stream"_s, [](const QJsonObject &run) { return run[u"state"_s] == u"success"_s; });
    QVERIFY2(!streamed.isEmpty(), "no stream run published samples");
    const auto streamTasks =
        tasksById(cli({u"tasks"_s, u"list"_s, u"stream"_s, streamed[u"dag_run_id"_s].toString()}));
    QCOMPARE(streamTasks.value(u"publish"_s)[u"result"_s][u"published"_s].toInteger(), 500);
    QVERIFY(messagesOn(cli({u"topics"_s, u"describe"_s, u"fashion-stream"_s})) >= 500);

    // 3. An update that had data to work with: drained, fine-tuned, judged, and then either
    // promoted (and exported) or kept the champion, and archived its batch either way.
    QHash<QString, QJsonObject> updateTasks;
    const QJsonObject update = waitForRun(u"update_model"_s, [&](const QJsonObject &run) {
        if (run[u"state"_s] != u"success"_s)
            return false;
        // A run that found too few new messages is skipped as a whole; wait for one that did.
        updateTasks = tasksById(
            cli({u"tasks"_s, u"list"_s, u"update_model"_s, run[u"dag_run_id"_s].toString()}));
        return updateTasks.value(u"update"_s)[u"state"_s] == u"success"_s;
    });
    QVERIFY2(!update.isEmpty(), "no update run drained, evaluated and decided");
    qInfo("update run %s done after %lld s", qPrintable(update[u"dag_run_id"_s].toString()),
          m_clock.elapsed() / 1000);
    QVERIFY2(m_clock.elapsed() < kDeadlineMs, "the pipeline took longer than 10 minutes");

    const QJsonObject drained = updateTasks.value(u"drain"_s)[u"result"_s].toObject();
    QVERIFY(drained[u"samples"_s].toInteger() >= 200); // the DAG's min_messages
    QVERIFY(!drained[u"batch_id"_s].toString().isEmpty());
    const QJsonObject updated = updateTasks.value(u"update"_s)[u"result"_s].toObject();
    QCOMPARE(updated[u"batch_id"_s], drained[u"batch_id"_s]);
    const QString challenger = QString::number(updated[u"version"_s].toInteger());
    QVERIFY(challenger.toInt() > 1);

    const QJsonObject verdict = updateTasks.value(u"evaluate"_s)[u"result"_s].toObject();
    QCOMPARE(updateTasks.value(u"evaluate"_s)[u"state"_s].toString(), u"success"_s);
    QVERIFY2(!verdict[u"reason"_s].toString().isEmpty(), "the verdict carries no reason");
    QVERIFY(verdict[u"challenger_value"_s].isDouble() && verdict[u"champion_value"_s].isDouble());
    const bool promoted = verdict[u"promoted"_s].toBool();
    qInfo("verdict: %s", qPrintable(verdict[u"reason"_s].toString()));
    const QString afterPromotion = promoted ? u"success"_s : u"skipped"_s;
    QCOMPARE(updateTasks.value(u"promote"_s)[u"state"_s].toString(), afterPromotion);
    QCOMPARE(updateTasks.value(u"export_onnx"_s)[u"state"_s].toString(), afterPromotion);
    QCOMPARE(updateTasks.value(u"archive"_s)[u"state"_s].toString(), u"success"_s);

    // The registry agrees: the champion is the challenger or still version 1, and its history
    // holds the decision with its reason and numbers.
    const QJsonObject model = cli({u"models"_s, u"show"_s, u"fashion-mnist"_s});
    QHash<QString, QString> stages;
    for (const QJsonValue &version : model[u"model_versions"_s].toArray())
        stages.insert(version[u"version"_s].toString(), version[u"current_stage"_s].toString());
    const QString champion = promoted ? challenger : firstVersion;
    QCOMPARE(stages.value(champion), u"Production"_s);
    if (promoted)
        QCOMPARE(stages.value(firstVersion), u"Archived"_s);
    bool decisionRecorded = false;
    for (const QJsonValue &event : model[u"history"_s].toArray()) {
        if (event[u"kind"_s] == u"decision"_s && event[u"version"_s] == challenger) {
            decisionRecorded =
                !event[u"reason"_s].toString().isEmpty() && event[u"evaluation"_s].isObject();
        }
    }
    QVERIFY2(decisionRecorded, "the registry's history has no decision on the challenger");

    // The drain committed its offsets: the pipeline's group has read what it trained on.
    const QJsonObject topic = cli(
        {u"topics"_s, u"describe"_s, u"fashion-stream"_s, u"--group"_s, u"millrace-pipeline"_s});
    qint64 committed = 0;
    for (const QJsonValue &partition : topic[u"group"_s][u"partitions"_s].toArray())
        committed += std::max<qint64>(0, partition[u"committed"_s].toInteger());
    QVERIFY(committed >= drained[u"messages"_s].toInteger());

    // A clean stop.
    ::kill(pid_t(m_app.processId()), SIGTERM);
    QVERIFY(m_app.waitForFinished(60000));
    QCOMPARE(m_app.exitStatus(), QProcess::NormalExit);
    QCOMPARE(m_app.exitCode(), 0);
}

QTEST_GUILESS_MAIN(TestDemoPipeline)
#include "tst_demopipeline.moc"
