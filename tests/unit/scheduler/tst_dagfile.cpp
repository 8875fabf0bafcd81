#include "core/scheduler/dagfile.h"
#include "core/scheduler/operatorcatalog.h"

#include "testoperators.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

#include <limits>

using namespace millrace;
using namespace millrace::scheduler;
using namespace Qt::StringLiterals;

namespace {

// Every field of a spec that the file decides, one per line, so two specs compare with a
// readable difference. Not the file, its fingerprint, or line numbers (YAML and JSON differ).
QString describe(const DagSpec &dag)
{
    QStringList lines;
    lines << u"id=" + dag.id << u"description=" + dag.description << u"tags=" + dag.tags.join(u',')
          << u"schedule=" + dag.schedule.text()
          << u"kind=" + QString::number(int(dag.schedule.kind()))
          << u"demo=" + (dag.demoSchedule ? dag.demoSchedule->text() : u"-"_s)
          << u"start=" + dag.startDate.toString(Qt::ISODateWithMs)
          << u"startIsUtc=" + QString::number(dag.startDate.timeSpec() == Qt::UTC)
          << u"timezone=" + QString::fromUtf8(dag.timezone.id())
          << u"catchup=" + QString::number(dag.catchup)
          << u"maxActiveRuns=" + QString::number(dag.maxActiveRuns)
          << u"paused=" + QString::number(dag.pausedOnCreation)
          << u"conf="
                 + QString::fromUtf8(
                     QJsonDocument(dag.defaultConfig).toJson(QJsonDocument::Compact));
    for (const EventTrigger &trigger : dag.triggers) {
        lines << u"trigger kind=%1 topic=%2 messages=%3 model=%4 stage=%5"_s.arg(int(trigger.kind))
                     .arg(trigger.topic)
                     .arg(trigger.messages)
                     .arg(trigger.model, trigger.stage);
    }
    for (const TaskSpec &task : dag.tasks) {
        lines << u"task %1 op=%2 params=%3 upstream=%4 retries=%5 delay=%6 backoff=%7 max=%8 "
                 "timeout=%9"_s
                     .arg(task.id, task.operatorId,
                          QString::fromUtf8(
                              QJsonDocument(task.params).toJson(QJsonDocument::Compact)),
                          task.upstream.join(u','))
                     .arg(task.retry.retries)
                     .arg(task.retry.delay.count())
                     .arg(task.retry.exponentialBackoff)
                     .arg(task.retry.maxDelay ? task.retry.maxDelay->count() : -1)
                     .arg(task.executionTimeout ? task.executionTimeout->count() : -1)
              << u"  rule=%1 pool=%2 slots=%3"_s.arg(toString(task.triggerRule), task.pool)
                     .arg(task.poolSlots);
    }
    return lines.join(u'\n');
}

QStringList ids(const DagSpec &dag)
{
    QStringList ids;
    for (const TaskSpec &task : dag.tasks)
        ids.append(task.id);
    return ids;
}

QString allErrors(const DagFileResult &result)
{
    QStringList lines;
    for (const DagFileError &error : result.errors)
        lines.append(error.toString());
    return lines.join(u'\n');
}

const QByteArray kFullYaml = R"(# Retrain the fashion model from what the stream brought.
dag_id: update_model
description: Drain the topic, retrain, evaluate
tags: [pipeline, fashion]
schedule: "30 6 * * 1-5"  # weekdays at 06:30 in Berlin
timezone: Europe/Berlin
start_date: 2026-01-01
catchup: true
max_active_runs: 2
paused_on_creation: true
params: {batch: 500, mode: fast, ratio: 0.5, "quoted": "7"}
demo_schedule: "@every 5m"
triggers:
  - topic: fashion-stream
    messages: 500
  - model: fashion-cnn
    stage: production
default_args:
  retries: 2
  retry_delay: 30s
  retry_exponential_backoff: true
  max_retry_delay: 10m
  execution_timeout: 1h
  trigger_rule: all_success
  pool: default_pool
  pool_slots: 1
tasks:
  - id: report            # listed first, runs last
    operator: shell
    upstream: [evaluate, train]
    trigger_rule: all_done
    params:
      command: "echo {{ xcom.train.run_id }}"
      env: {LANG: C}
  - id: drain
    operator: drain_topic
    params: {topic: fashion-stream, max_messages: 5000}
    retries: 0
  - id: train
    operator: update_model
    upstream: [drain]
    execution_timeout: 2h
    pool: gpu
    pool_slots: 2
    params:
      model: fashion-cnn
      epochs: "{{ conf.epochs | default(3) }}"
      optimizer: adam
      learning_rate: 1e-3
      layers: [64, 32]
      options: {dropout: 0.25}
      dry_run: false
      seed: null
  - id: evaluate
    operator: noop
    upstream: [train]
    retry_delay: 90
    retry_exponential_backoff: false
  - id: notify
    operator: train
    max_retry_delay: 1.5
)";

const QByteArray kFullJson = R"({
  "dag_id": "update_model",
  "description": "Drain the topic, retrain, evaluate",
  "tags": ["pipeline", "fashion"],
  "schedule": "30 6 * * 1-5",
  "demo_schedule": "@every 5m",
  "timezone": "Europe/Berlin",
  "start_date": "2026-01-01",
  "catchup": true,
  "max_active_runs": 2,
  "paused_on_creation": true,
  "params": {"batch": 500, "mode": "fast", "ratio": 0.5, "quoted": "7"},
  "triggers": [
    {"topic": "fashion-stream", "messages": 500},
    {"model": "fashion-cnn", "stage": "production"}
  ],
  "default_args": {
    "retries": 2, "retry_delay": "30s", "retry_exponential_backoff": true,
    "max_retry_delay": "10m", "execution_timeout": "1h", "trigger_rule": "all_success",
    "pool": "default_pool", "pool_slots": 1
  },
  "tasks": [
    {"id": "report", "operator": "shell", "upstream": ["evaluate", "train"],
     "trigger_rule": "all_done",
     "params": {"command": "echo {{ xcom.train.run_id }}", "env": {"LANG": "C"}}},
    {"id": "drain", "operator": "drain_topic",
     "params": {"topic": "fashion-stream", "max_messages": 5000}, "retries": 0},
    {"id": "train", "operator": "update_model", "upstream": ["drain"],
     "execution_timeout": "2h", "pool": "gpu", "pool_slots": 2,
     "params": {"model": "fashion-cnn", "epochs": "{{ conf.epochs | default(3) }}",
                "optimizer": "adam", "learning_rate": 0.001, "layers": [64, 32],
                "options": {"dropout": 0.25}, "dry_run": false, "seed": null}},
    {"id": "evaluate", "operator": "noop", "upstream": ["train"], "retry_delay": 90,
     "retry_exponential_backoff": false},
    {"id": "notify", "operator": "train", "max_retry_delay": 1.5}
  ]
}
)";

// A valid DAG with one task, to vary in rows.
const QByteArray kMinimal = "tasks:\n  - id: a\n    operator: noop\n";

} // namespace

class TestDagFile : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void fullYaml()
    {
        testing::TestOperators operators;
        const DagFileResult result =
            parseDagFile(u"dags/update_model.yaml"_s, kFullYaml, operators.catalog);
        QVERIFY2(result.errors.isEmpty(), qPrintable(allErrors(result)));
        QVERIFY(result.dag.has_value());
        const DagSpec &dag = *result.dag;

        QCOMPARE(dag.id, u"update_model"_s);
        QCOMPARE(dag.file, u"dags/update_model.yaml"_s);
        QCOMPARE(dag.description, u"Drain the topic, retrain, evaluate"_s);
        QCOMPARE(dag.tags, (QStringList{u"pipeline"_s, u"fashion"_s}));
        QCOMPARE(dag.schedule.text(), u"30 6 * * 1-5"_s);
        QVERIFY(dag.schedule.kind() == Timetable::Kind::Cron);
        QVERIFY(dag.demoSchedule);
        QVERIFY(dag.demoSchedule->kind() == Timetable::Kind::Interval);
        // The cron schedule is read in the DAG's time zone: 06:30 in Berlin is 05:30 UTC.
        QCOMPARE(dag.schedule
                     .nextInterval(std::nullopt, dag.startDate, true,
                                   QDateTime(QDate(2026, 1, 10), QTime(0, 0), QTimeZone::utc()))
                     ->start,
                 QDateTime(QDate(2026, 1, 1), QTime(5, 30), QTimeZone::utc()));
        QCOMPARE(dag.timezone.id(), QByteArray("Europe/Berlin"));
        // Midnight in Berlin in winter is 23:00 UTC the day before.
        QCOMPARE(dag.startDate, QDateTime(QDate(2025, 12, 31), QTime(23, 0), QTimeZone::utc()));
        QVERIFY(dag.catchup);
        QCOMPARE(dag.maxActiveRuns, 2);
        QVERIFY(dag.pausedOnCreation);
        QCOMPARE(dag.defaultConfig,
                 QJsonDocument::fromJson(R"({"batch": 500, "mode": "fast", "ratio": 0.5,
                                             "quoted": "7"})")
                     .object());
        QVERIFY(dag.defaultConfig.value(u"quoted").isString()); // quotes keep "7" a string

        QCOMPARE(dag.triggers.size(), 2);
        QVERIFY(dag.triggers[0].kind == EventTrigger::Kind::TopicMessages);
        QCOMPARE(dag.triggers[0].topic, u"fashion-stream"_s);
        QCOMPARE(dag.triggers[0].messages, 500);
        QCOMPARE(dag.triggers[0].line, 14);
        QVERIFY(dag.triggers[1].kind == EventTrigger::Kind::ModelStage);
        QCOMPARE(dag.triggers[1].model, u"fashion-cnn"_s);
        QCOMPARE(dag.triggers[1].stage, u"Production"_s); // the registry's spelling

        // Topologically sorted; notify has no upstream but comes after drain in the file.
        QCOMPARE(ids(dag),
                 (QStringList{u"drain"_s, u"train"_s, u"evaluate"_s, u"report"_s, u"notify"_s}));
        const TaskSpec *report = dag.task(u"report"_s);
        QVERIFY(report);
        QCOMPARE(report->line, 28);
        QCOMPARE(report->operatorId, u"shell"_s);
        QCOMPARE(report->upstream, (QStringList{u"evaluate"_s, u"train"_s}));
        QVERIFY(report->triggerRule == TriggerRule::AllDone);
        QCOMPARE(report->params.value(u"command").toString(), u"echo {{ xcom.train.run_id }}"_s);
        QCOMPARE(report->retry.retries, 2); // from default_args
        QCOMPARE(report->retry.delay, std::chrono::seconds(30));
        QVERIFY(report->retry.exponentialBackoff);
        QCOMPARE(report->retry.maxDelay, std::optional(std::chrono::milliseconds(600000)));
        QCOMPARE(report->executionTimeout, std::optional(std::chrono::milliseconds(3600000)));

        const TaskSpec *drain = dag.task(u"drain"_s);
        QCOMPARE(drain->retry.retries, 0); // the task overrides default_args
        QCOMPARE(drain->params.value(u"max_messages").toInteger(), 5000);

        const TaskSpec *train = dag.task(u"train"_s);
        QCOMPARE(train->executionTimeout, std::optional(std::chrono::milliseconds(7200000)));
        QCOMPARE(train->pool, u"gpu"_s);
        QCOMPARE(train->poolSlots, 2);
        QCOMPARE(train->params.value(u"learning_rate").toDouble(), 0.001);
        QVERIFY(train->params.value(u"seed").isNull());
        QVERIFY(train->params.value(u"dry_run").isBool());

        const TaskSpec *evaluate = dag.task(u"evaluate"_s);
        QCOMPARE(evaluate->retry.delay, std::chrono::seconds(90)); // a plain number is seconds
        QVERIFY(!evaluate->retry.exponentialBackoff);
        QCOMPARE(dag.task(u"notify"_s)->retry.maxDelay,
                 std::optional(std::chrono::milliseconds(1500)));

        QCOMPARE(dag.downstream(u"train"_s), (QStringList{u"evaluate"_s, u"report"_s}));
        QCOMPARE(dag.downstream(u"report"_s), QStringList());
        QVERIFY(!dag.task(u"nope"_s));
        QCOMPARE(dag.fingerprint.size(), 32); // SHA-256
    }

    void jsonEqualsYaml()
    {
        testing::TestOperators operators;
        const DagFileResult yaml =
            parseDagFile(u"dags/update_model.yaml"_s, kFullYaml, operators.catalog);
        const DagFileResult json =
            parseDagFile(u"dags/update_model.json"_s, kFullJson, operators.catalog);
        QVERIFY2(yaml.dag && json.dag, qPrintable(allErrors(yaml) + allErrors(json)));
        QCOMPARE(describe(*json.dag), describe(*yaml.dag));
        QVERIFY(json.dag->fingerprint != yaml.dag->fingerprint);
        QCOMPARE(json.dag->task(u"report"_s)->line, 23);
    }

    // Valid JSON that yaml-cpp refuses (a surrogate pair) is still read, without line numbers.
    void jsonFallback()
    {
        testing::TestOperators operators;
        const QByteArray contents =
            R"({"description": "smile \ud83d\ude00", "tasks": [{"id": "a", "operator": "noop"}]})";
        DagFileResult result = parseDagFile(u"dags/smile.json"_s, contents, operators.catalog);
        QVERIFY2(result.dag, qPrintable(allErrors(result)));
        QCOMPARE(result.dag->description, u"smile \U0001F600"_s);
        QCOMPARE(result.dag->id, u"smile"_s);

        QByteArray broken = contents;
        broken.replace("noop", "nop");
        result = parseDagFile(u"dags/smile.json"_s, broken, operators.catalog);
        QCOMPARE(result.errors.size(), 1);
        QCOMPARE(result.errors[0].line, 0);
        QVERIFY(result.errors[0].message.contains(u"unknown operator \"nop\""_s));
    }

    void defaults()
    {
        testing::TestOperators operators;
        const DagFileResult result =
            parseDagFile(u"/ws/dags/nightly.cleanup.yml"_s, kMinimal, operators.catalog);
        QVERIFY2(result.dag, qPrintable(allErrors(result)));
        const DagSpec &dag = *result.dag;
        QCOMPARE(dag.id, u"nightly.cleanup"_s); // the file's base name
        QVERIFY(dag.schedule.kind() == Timetable::Kind::Manual);
        QVERIFY(!dag.demoSchedule);
        QVERIFY(!dag.startDate.isValid());
        QCOMPARE(dag.timezone, QTimeZone::utc());
        QVERIFY(!dag.catchup);
        QCOMPARE(dag.maxActiveRuns, 1);
        QVERIFY(!dag.pausedOnCreation);
        QVERIFY(dag.defaultConfig.isEmpty());
        QVERIFY(dag.triggers.isEmpty());
        QCOMPARE(dag.tasks.size(), size_t(1));
        const TaskSpec &task = dag.tasks[0];
        QCOMPARE(task.retry.retries, 0);
        QCOMPARE(task.retry.delay, std::chrono::seconds(300));
        QVERIFY(!task.retry.exponentialBackoff);
        QVERIFY(!task.retry.maxDelay);
        QVERIFY(!task.executionTimeout);
        QVERIFY(task.triggerRule == TriggerRule::AllSuccess);
        QCOMPARE(task.pool, u"default_pool"_s);
        QCOMPARE(task.poolSlots, 1);
        QVERIFY(task.params.isEmpty());
        QVERIFY(task.upstream.isEmpty());
    }

    void startDate_data()
    {
        QTest::addColumn<QString>("written");
        QTest::addColumn<QString>("timezone");
        QTest::addColumn<QDateTime>("expected");
        const auto utc = [](int y, int mo, int d, int h, int mi, int s = 0, int ms = 0) {
            return QDateTime(QDate(y, mo, d), QTime(h, mi, s, ms), QTimeZone::utc());
        };
        QTest::newRow("date, UTC") << u"2026-01-01"_s << u"UTC"_s << utc(2026, 1, 1, 0, 0);
        QTest::newRow("date, Berlin summer")
            << u"2026-07-01"_s << u"Europe/Berlin"_s << utc(2026, 6, 30, 22, 0);
        QTest::newRow("date-time in zone")
            << u"2026-01-01T06:30:00"_s << u"Europe/Berlin"_s << utc(2026, 1, 1, 5, 30);
        QTest::newRow("space, no seconds")
            << u"2026-01-01 06:30"_s << u"UTC"_s << utc(2026, 1, 1, 6, 30);
        QTest::newRow("Z ignores zone")
            << u"2026-01-01T06:30:00Z"_s << u"Europe/Berlin"_s << utc(2026, 1, 1, 6, 30);
        QTest::newRow("offset") << u"2026-01-01T06:30:00-05:00"_s << u"Europe/Berlin"_s
                                << utc(2026, 1, 1, 11, 30);
        QTest::newRow("offset without colon")
            << u"2026-01-01T06:30:00+0130"_s << u"UTC"_s << utc(2026, 1, 1, 5, 0);
        QTest::newRow("fraction") << u"2026-01-01T06:30:00.25Z"_s << u"UTC"_s
                                  << utc(2026, 1, 1, 6, 30, 0, 250);
    }

    void startDate()
    {
        QFETCH(QString, written);
        QFETCH(QString, timezone);
        QFETCH(QDateTime, expected);
        testing::TestOperators operators;
        const QByteArray contents = "schedule: \"@daily\"\ntimezone: " + timezone.toUtf8()
                                    + "\nstart_date: " + written.toUtf8() + "\n" + kMinimal;
        const DagFileResult result = parseDagFile(u"d.yaml"_s, contents, operators.catalog);
        QVERIFY2(result.dag, qPrintable(allErrors(result)));
        QCOMPARE(result.dag->startDate, expected);
        QCOMPARE(result.dag->startDate.timeSpec(), Qt::UTC);
    }

    void topologicalOrder_data()
    {
        QTest::addColumn<QByteArray>("tasks"); // "id:upstream,upstream id: ..." in file order
        QTest::addColumn<QStringList>("expected");
        QTest::newRow("already sorted") << QByteArray("a: b:a c:b") << QStringList{"a", "b", "c"};
        QTest::newRow("reversed") << QByteArray("c:b b:a a:") << QStringList{"a", "b", "c"};
        QTest::newRow("independent keep file order")
            << QByteArray("z: y: x:") << QStringList{"z", "y", "x"};
        QTest::newRow("diamond") << QByteArray("join:left,right right:start left:start start:")
                                 << QStringList{"start", "right", "left", "join"};
        QTest::newRow("earliest ready first")
            << QByteArray("late:c a: c:a b:") << QStringList{"a", "c", "late", "b"};
    }

    void topologicalOrder()
    {
        QFETCH(QByteArray, tasks);
        QFETCH(QStringList, expected);
        QByteArray contents = "tasks:\n";
        for (const QByteArray &task : tasks.split(' ')) {
            const QList<QByteArray> parts = task.split(':');
            contents +=
                "  - {id: " + parts[0] + ", operator: noop, upstream: [" + parts[1] + "]}\n";
        }
        testing::TestOperators operators;
        const DagFileResult result = parseDagFile(u"d.yaml"_s, contents, operators.catalog);
        QVERIFY2(result.dag, qPrintable(allErrors(result)));
        QCOMPARE(ids(*result.dag), expected);
    }

    // Each row: a file with one problem; the error's line (0: the whole file), its column
    // (-1: not checked) and phrases its message must hold ("!phrase": must not hold).
    void errors_data()
    {
        QTest::addColumn<QString>("fileName");
        QTest::addColumn<QByteArray>("contents");
        QTest::addColumn<int>("line");
        QTest::addColumn<int>("column");
        QTest::addColumn<QStringList>("phrases");

        const auto row = [](const char *name, const QByteArray &contents, int line, int column,
                            const QStringList &phrases, const QString &file = u"dags/t.yaml"_s) {
            QTest::newRow(name) << file << contents << line << column << phrases;
        };

        // The file as a whole.
        row("not a mapping", "- a\n- b\n", 1, 1, {u"must be a mapping"_s});
        row("scalar file", "hello\n", 1, 1, {u"must be a mapping"_s, u"\"hello\""_s});
        row("empty file", "", 0, 0, {u"must be a mapping"_s});
        row("yaml syntax", "tasks: [a, b\nx: 1\n", 2, -1, {u"end of sequence flow not found"_s});
        row("unquoted @", "schedule: @daily\n" + kMinimal, 1, 11,
            {u"must be quoted"_s, u"\"@daily\""_s});
        row("unquoted cron", "schedule: */5 * * * *\n" + kMinimal, 1, 11, {u"must be quoted"_s});
        row("second document", kMinimal + "---\nx: 1\n", 5, -1, {u"one YAML document"_s});
        row("json syntax", "{\n  \"tasks\": [\n    {\"id\": \"a\",}\n  ]\n}\n", 3, 16, {},
            u"dags/t.json"_s);
        row("json comment", "{\n  // no\n  \"tasks\": []\n}\n", 2, 3, {}, u"dags/t.json"_s);
        row("duplicate key", "dag_id: a\n" + kMinimal + "dag_id: b\n", 5, 1,
            {u"duplicate key \"dag_id\" (first at line 1)"_s});
        row("unknown top-level key", "shedule: \"@daily\"\n" + kMinimal, 1, 1,
            {u"unknown key \"shedule\""_s, u"did you mean \"schedule\"?"_s});
        row("unknown key far from all", "owner: me\n" + kMinimal, 1, 1,
            {u"unknown key \"owner\""_s, u"known keys: dag_id,"_s});
        row("missing tasks", "dag_id: x\n", 0, 0, {u"no tasks"_s});
        row("empty tasks", "tasks: []\n", 1, 8, {u"at least one task"_s});
        row("tasks not a list", "tasks: {id: a}\n", 1, 8, {u"tasks must be a list"_s});

        // DAG fields.
        row("bad dag_id", "dag_id: my dag\n" + kMinimal, 1, 9, {u"dag_id \"my dag\""_s});
        row("bad file name as id", kMinimal, 0, 0, {u"\"my dag\" is no valid dag id"_s},
            u"dags/my dag.yaml"_s);
        row("description a list", "description: [a]\n" + kMinimal, 1, 14,
            {u"description must be text, not a list"_s});
        row("tags not a list", "tags: pipeline\n" + kMinimal, 1, 7,
            {u"tags must be a list"_s, u"\"pipeline\""_s});
        row("catchup not bool", kMinimal + "catchup: maybe\n", 4, 10,
            {u"catchup must be true or false, not \"maybe\""_s});
        row("yes is no bool", kMinimal + "catchup: yes\n", 4, 10, {u"true or false"_s});
        row("max_active_runs text", kMinimal + "max_active_runs: many\n", 4, 18,
            {u"max_active_runs must be a whole number"_s});
        row("max_active_runs zero", kMinimal + "max_active_runs: 0\n", 4, 18,
            {u"max_active_runs must be at least 1, not 0"_s});
        row("params not a mapping", kMinimal + "params: [1]\n", 4, 9,
            {u"params must be a mapping"_s});
        row("bad schedule", "schedule: \"@sometimes\"\n" + kMinimal, 1, 11,
            {u"unknown schedule \"@sometimes\""_s});
        row("bad cron", "schedule: \"0 25 * * *\"\nstart_date: 2026-01-01\n" + kMinimal, 1, 11,
            {u"bad schedule \"0 25 * * *\": hour field \"25\""_s});
        row("bad demo_schedule", "demo_schedule: \"@every 5x\"\n" + kMinimal, 1, 16,
            {u"schedule \"@every 5x\": @every needs"_s});
        row("demo_schedule needs start_date",
            "schedule: none\ndemo_schedule: \"@every 5m\"\n" + kMinimal, 2, 16,
            {u"needs a start_date (demo_schedule \"@every 5m\")"_s});
        row("bad timezone", "timezone: Europe/Berln\n" + kMinimal, 1, 11,
            {u"unknown time zone \"Europe/Berln\""_s, u"did you mean \"Europe/Berlin\"?"_s});
        row("bad start_date", "start_date: yesterday\n" + kMinimal, 1, 13,
            {u"start_date \"yesterday\" is not a date"_s});
        row("impossible start_date", "start_date: 2026-02-30\n" + kMinimal, 1, 13,
            {u"does not exist"_s});
        row("missing start_date", "dag_id: x\nschedule: \"@daily\"\n" + kMinimal, 2, 11,
            {u"needs a start_date"_s});

        // Triggers.
        row("trigger without messages", "triggers:\n  - topic: t\n" + kMinimal, 2, 5,
            {u"this trigger needs messages"_s});
        row("trigger mixed", "triggers:\n  - {topic: t, messages: 5, model: m}\n" + kMinimal, 2, 5,
            {u"not both"_s});
        row("trigger messages zero", "triggers:\n  - {topic: t, messages: 0}\n" + kMinimal, 2, 26,
            {u"messages must be at least 1"_s});
        row("trigger bad stage", "triggers:\n  - model: m\n    stage: Prodution\n" + kMinimal, 3,
            12, {u"unknown stage \"Prodution\""_s, u"did you mean \"Production\"?"_s});
        row("trigger unknown key", "triggers:\n  - {topic: t, mesages: 5}\n" + kMinimal, 2, 16,
            {u"unknown key \"mesages\""_s});

        // Tasks.
        row("task not a mapping", "tasks:\n  - a\n", 2, 5, {u"a task must be a mapping"_s});
        row("task without id", "tasks:\n  - operator: noop\n", 2, 5, {u"has no id"_s});
        row("task without operator", "tasks:\n  - id: a\n", 2, 5,
            {u"task \"a\" has no operator"_s});
        row("bad task id", "tasks:\n  - id: a.b\n    operator: noop\n", 2, 9,
            {u"task id \"a.b\""_s});
        row("unknown task key", kMinimal + "    retires: 3\n", 4, 5,
            {u"unknown key \"retires\" in a task"_s, u"did you mean \"retries\"?"_s});
        row("default_args unknown key", "default_args:\n  retry: 1\n" + kMinimal, 2, 3,
            {u"unknown key \"retry\" in default_args"_s});
        row("negative retries", kMinimal + "    retries: -1\n", 4, 14,
            {u"retries must be at least 0, not -1"_s});
        row("bad duration", kMinimal + "    retry_delay: 5 minutes\n", 4, 18,
            {u"retry_delay must be a duration"_s, u"\"5 minutes\""_s});
        row("negative duration", "default_args:\n  execution_timeout: -5s\n" + kMinimal, 2, 22,
            {u"execution_timeout must be a duration"_s});
        row("zero timeout", kMinimal + "    execution_timeout: 0s\n", 4, 24,
            {u"execution_timeout must be longer than 0"_s});
        row("bad trigger rule", kMinimal + "    trigger_rule: all_succes\n", 4, 19,
            {u"unknown trigger rule \"all_succes\""_s, u"did you mean \"all_success\"?"_s,
             u"none_failed"_s});
        row("pool_slots zero", kMinimal + "    pool_slots: 0\n", 4, 17,
            {u"pool_slots must be at least 1"_s});
        row("upstream not a list", kMinimal + "    upstream: b\n", 4, 15,
            {u"upstream must be a list"_s});
        row("duplicate task id", kMinimal + "  - id: a\n    operator: noop\n", 4, 9,
            {u"duplicate task id \"a\" (first at line 2)"_s});
        row("unknown upstream", kMinimal + "    upstream: [bx]\n  - id: bb\n    operator: noop\n",
            4, 16, {u"unknown upstream task \"bx\"; did you mean \"bb\"?"_s});
        row("unknown upstream, no guess",
            kMinimal + "    upstream: [b]\n  - id: c\n    operator: noop\n", 4, 16,
            {u"unknown upstream task \"b\""_s, u"!did you mean"_s});
        row("self dependency", kMinimal + "    upstream: [a]\n", 4, 16,
            {u"task \"a\" lists itself as upstream"_s});
        row("cycle",
            "tasks:\n"
            "  - {id: a, operator: noop, upstream: [c]}\n"
            "  - {id: b, operator: noop, upstream: [a]}\n"
            "  - {id: c, operator: noop, upstream: [b]}\n",
            2, 40, {u"dependency cycle: a -> b -> c -> a"_s});
        row("cycle of two behind a task",
            "tasks:\n"
            "  - {id: start, operator: noop}\n"
            "  - {id: after, operator: noop, upstream: [y]}\n"
            "  - {id: y, operator: noop, upstream: [start, x]}\n"
            "  - {id: x, operator: noop, upstream: [y]}\n",
            4, 47, {u"dependency cycle: y -> x -> y"_s});
        row("unknown operator", "tasks:\n  - id: a\n    operator: trian\n", 3, 15,
            {u"unknown operator \"trian\""_s, u"did you mean \"train\"?"_s,
             u"known operators: drain_topic, noop, shell, train, update_model"_s});
        row("unknown operator far", "tasks:\n  - id: a\n    operator: kubernetes\n", 3, 15,
            {u"known operators:"_s, u"!did you mean"_s});

        // Params against the operator's schema.
        const QByteArray drain = "tasks:\n  - id: d\n    operator: drain_topic\n    params:\n";
        const QByteArray model = "tasks:\n  - id: m\n    operator: update_model\n    params:\n"
                                 "      model: cnn\n";
        row("missing required param", drain + "      max_messages: 5\n", 5, 7,
            {u"missing required param \"topic\""_s});
        row("no params at all", "tasks:\n  - id: d\n    operator: drain_topic\n", 2, 5,
            {u"missing required param \"topic\""_s});
        row("unknown param", drain + "      topic: t\n      topik: t\n", 6, 7,
            {u"unknown param \"topik\""_s, u"did you mean \"topic\"?"_s});
        row("param wrong type", drain + "      topic: t\n      max_messages: many\n", 6, 21,
            {u"param \"max_messages\" must be integer, not string"_s});
        row("quoted number is a string", drain + "      topic: t\n      max_messages: \"5\"\n", 6,
            21, {u"must be integer, not string"_s});
        row("integer for string", drain + "      topic: 42\n", 5, 14,
            {u"param \"topic\" must be string, not integer"_s});
        row("fraction for integer", model + "      epochs: 2.5\n", 6, 15,
            {u"param \"epochs\" must be integer, not number"_s});
        row("below minimum", drain + "      topic: t\n      max_messages: 0\n", 6, 21,
            {u"param \"max_messages\" must be at least 1, not 0"_s});
        row("above maximum", model + "      epochs: 5000\n", 6, 15,
            {u"must be at most 1000, not 5000"_s});
        row("not in enum", model + "      optimizer: adamw\n", 6, 18,
            {u"param \"optimizer\" must be one of adam, sgd"_s});
        row("type list", model + "      seed: abc\n", 6, 13,
            {u"param \"seed\" must be integer or null"_s});
        row("array items", model + "      layers: [64, 0]\n", 6, 20,
            {u"param \"layers[1]\" must be at least 1"_s});
        row("nested unknown", model + "      options: {dropout: 0.1, dropot: 0.2}\n", 6, 31,
            {u"unknown param \"options.dropot\""_s});
        row("unquoted template", drain + "      topic: t\n      max_messages: {{ conf.n }}\n", 6,
            21, {u"a template must be in quotes, \"{{ conf.n }}\""_s});
        row("misspelt required param once", drain + "      topik: t\n", 5, 7,
            {u"unknown param \"topik\""_s, u"did you mean \"topic\"?"_s});

        // A misspelt required key is one error (unknown, with a suggestion), not two.
        row("misspelt operator key", "tasks:\n  - id: a\n    operater: noop\n", 3, 5,
            {u"unknown key \"operater\" in a task; did you mean \"operator\"?"_s});
        row("misspelt tasks key", "taks:\n  - id: a\n    operator: noop\n", 1, 1,
            {u"did you mean \"tags\" or \"tasks\"?"_s});
        row("misspelt start_date key", "schedule: \"@daily\"\nstart_dat: 2026-01-01\n" + kMinimal,
            2, 1, {u"did you mean \"start_date\"?"_s});
        row("params must be a mapping", drain + "      - topic\n", 5, 7,
            {u"params must be a mapping"_s});
    }

    void errors()
    {
        QFETCH(QString, fileName);
        QFETCH(QByteArray, contents);
        QFETCH(int, line);
        QFETCH(int, column);
        QFETCH(QStringList, phrases);

        testing::TestOperators operators;
        const DagFileResult result = parseDagFile(fileName, contents, operators.catalog);
        QVERIFY(!result.dag);
        QVERIFY2(result.errors.size() == 1, qPrintable(allErrors(result)));
        const DagFileError &error = result.errors.first();
        QCOMPARE(error.file, fileName);
        QVERIFY2(!error.message.isEmpty(), qPrintable(error.toString()));
        for (const QString &phrase : phrases) {
            if (phrase.startsWith(u'!'))
                QVERIFY2(!error.message.contains(phrase.mid(1)), qPrintable(error.toString()));
            else
                QVERIFY2(error.message.contains(phrase), qPrintable(error.toString()));
        }
        QCOMPARE(error.line, line);
        if (column >= 0)
            QCOMPARE(error.column, column);
    }

    void severalErrorsReportedTogether()
    {
        const QByteArray contents = "dag_id: several\n"             // 1
                                    "shedule: \"@daily\"\n"         // 2
                                    "max_active_runs: 0\n"          // 3
                                    "tasks:\n"                      // 4
                                    "  - id: a\n"                   // 5
                                    "    operator: trian\n"         // 6
                                    "    upstream: [c]\n"           // 7
                                    "  - id: b\n"                   // 8
                                    "    operator: noop\n"          // 9
                                    "    upstream: [a]\n"           // 10
                                    "    trigger_rule: sometimes\n" // 11
                                    "  - id: c\n"                   // 12
                                    "    operator: noop\n"          // 13
                                    "    upstream: [b, ghost]\n"    // 14
                                    "  - id: b\n"                   // 15
                                    "    operator: noop\n";         // 16
        testing::TestOperators operators;
        const DagFileResult result =
            parseDagFile(u"dags/several.yaml"_s, contents, operators.catalog);
        QVERIFY(!result.dag);
        QStringList found;
        for (const DagFileError &error : result.errors)
            found.append(u"%1:%2"_s.arg(error.line).arg(error.message.section(u' ', 0, 1)));
        QCOMPARE(found, (QStringList{u"2:unknown key"_s, u"3:max_active_runs must"_s,
                                     u"6:unknown operator"_s, u"7:dependency cycle:"_s,
                                     u"11:unknown trigger"_s, u"14:unknown upstream"_s,
                                     u"15:duplicate task"_s}));
        QCOMPARE(result.errors[0].toString(),
                 u"dags/several.yaml:2:1: unknown key \"shedule\" in the DAG; did you mean "
                 "\"schedule\"?"_s);
    }

    void everyCycleReported()
    {
        const QByteArray contents = "tasks:\n"
                                    "  - {id: a, operator: noop, upstream: [b]}\n"
                                    "  - {id: b, operator: noop, upstream: [a]}\n"
                                    "  - {id: below, operator: noop, upstream: [a]}\n"
                                    "  - {id: x, operator: noop, upstream: [z]}\n"
                                    "  - {id: y, operator: noop, upstream: [x]}\n"
                                    "  - {id: z, operator: noop, upstream: [y]}\n";
        testing::TestOperators operators;
        const DagFileResult result = parseDagFile(u"d.yaml"_s, contents, operators.catalog);
        QCOMPARE(result.errors.size(), 2);
        QCOMPARE(result.errors[0].line, 2);
        QVERIFY2(result.errors[0].message.endsWith(u"cycle: a -> b -> a"_s),
                 qPrintable(allErrors(result)));
        QCOMPARE(result.errors[1].line, 5);
        QVERIFY2(result.errors[1].message.endsWith(u"cycle: x -> y -> z -> x"_s),
                 qPrintable(allErrors(result)));
    }

    // Valid variants the checks must not reject.
    void accepted_data()
    {
        QTest::addColumn<QByteArray>("contents");
        QTest::newRow("template for an integer")
            << QByteArray("tasks:\n  - id: d\n    operator: drain_topic\n    params:\n"
                          "      topic: t\n      max_messages: \"{{ conf.n }}\"\n");
        QTest::newRow("template for an enum") << QByteArray(
            "tasks:\n  - id: m\n    operator: update_model\n    params:\n"
            "      model: cnn\n      optimizer: \"{{ conf.opt | default(\\\"adam\\\") }}\"\n");
        QTest::newRow("integer for number")
            << QByteArray("tasks:\n  - id: m\n    operator: update_model\n    params:\n"
                          "      model: cnn\n      learning_rate: 1\n");
        QTest::newRow("open schema takes anything")
            << QByteArray("tasks:\n  - id: s\n    operator: shell\n    params:\n"
                          "      command: ls\n      whatever: [1, {a: b}]\n");
        QTest::newRow("null fields")
            << QByteArray("description:\ntags:\nparams:\ntriggers:\ndefault_args:\nschedule:\n"
                          "tasks:\n  - id: a\n    operator: noop\n    upstream:\n    params:\n");
        QTest::newRow("empty description") << QByteArray("description: \"\"\n" + kMinimal);
        QTest::newRow("block description")
            << QByteArray("description: |\n  Two lines:\n  the second.\n" + kMinimal);
        QTest::newRow("schedule none") << QByteArray("schedule: none\n" + kMinimal);
        QTest::newRow("once with start") << QByteArray(
            "schedule: \"@once\"\nstart_date: 2026-05-01T10:00:00+02:00\n" + kMinimal);
        QTest::newRow("durations")
            << QByteArray("default_args:\n  retry_delay: 500ms\n  max_retry_delay: 1d\n"
                          "  execution_timeout: 0.5\n"
                          + kMinimal);
        QTest::newRow("flow style")
            << QByteArray("{tasks: [{id: a, operator: noop}, {id: b, operator: noop, "
                          "upstream: [a]}]}\n");
        QTest::newRow("anchors") << QByteArray("tasks:\n  - &t {id: a, operator: noop}\n  - id: b\n"
                                               "    operator: noop\n    upstream: [a]\n");
        QTest::newRow("windows line ends") << QByteArray(kMinimal).replace("\n", "\r\n");
    }

    void accepted()
    {
        QFETCH(QByteArray, contents);
        testing::TestOperators operators;
        const DagFileResult result = parseDagFile(u"dags/ok.yaml"_s, contents, operators.catalog);
        QVERIFY2(result.dag && result.errors.isEmpty(), qPrintable(allErrors(result)));
    }

    // The examples in the user documentation are DAGs that read, and the YAML and JSON ones
    // agree.
    void documentationExamples()
    {
        QFile file(QStringLiteral(MILLRACE_DOCS_DIR "/dags.md"));
        QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(file.fileName()));
        const QString text = QString::fromUtf8(file.readAll());
        static const QRegularExpression block(QStringLiteral("```(yaml|json)\\n(.*?)```"),
                                              QRegularExpression::DotMatchesEverythingOption);
        testing::SchemaOperator any("{}");
        OperatorCatalog catalog;
        for (const char *id : {"drain_topic", "update_model", "evaluate_and_decide", "shell"})
            catalog.add(QString::fromLatin1(id), &any, u"test"_s);

        QStringList described;
        int complete = 0;
        for (auto it = block.globalMatch(text); it.hasNext();) {
            const auto match = it.next();
            const QByteArray contents = match.captured(2).toUtf8();
            if (!contents.contains("tasks"))
                continue; // a fragment
            ++complete;
            const DagFileResult result =
                parseDagFile(u"dags/example."_s + match.captured(1), contents, catalog);
            QVERIFY2(result.dag, qPrintable(allErrors(result)));
            described.append(describe(*result.dag));
        }
        QCOMPARE(complete, 3);
        QCOMPARE(described[1], described[0]); // the JSON version of the YAML example
    }

    // No input makes it throw or hang.
    void hostileInput()
    {
        testing::TestOperators operators;
        QByteArray garbage;
        for (int i = 0; i < 4096; ++i)
            garbage.append(char((i * 7919) % 256));
        QVERIFY(!parseDagFile(u"g.yaml"_s, garbage, operators.catalog).errors.isEmpty());
        QVERIFY(!parseDagFile(u"g.json"_s, garbage, operators.catalog).errors.isEmpty());

        const QByteArray deep = QByteArray(5000, '[') + QByteArray(5000, ']');
        QVERIFY(!parseDagFile(u"deep.yaml"_s, deep, operators.catalog).errors.isEmpty());

        // Nine levels of ten aliases each expand to 10^9 values.
        QByteArray laughs = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
        for (int i = 1; i < 10; ++i) {
            const QByteArray prev = "*a" + QByteArray::number(i - 1);
            laughs += "a" + QByteArray::number(i) + ": &a" + QByteArray::number(i) + " ["
                      + QByteArray(prev + ", ").repeated(9) + prev + "]\n";
        }
        QElapsedTimer timer;
        timer.start();
        const DagFileResult result = parseDagFile(u"laughs.yaml"_s, laughs, operators.catalog);
        QVERIFY(!result.errors.isEmpty());
        QVERIFY2(result.errors[0].message.contains(u"more than"_s), qPrintable(allErrors(result)));
        QVERIFY(timer.elapsed() < 2000);
    }

    void loadFromDisk()
    {
        testing::TestOperators operators;
        const DagFileResult missing = loadDagFile(u"/nonexistent/dag.yaml"_s, operators.catalog);
        QCOMPARE(missing.errors.size(), 1);
        QVERIFY(missing.errors[0].message.startsWith(u"cannot read"_s));
        QCOMPARE(missing.errors[0].file, u"/nonexistent/dag.yaml"_s);
    }

    void errorToString()
    {
        QCOMPARE((DagFileError{u"dags/a.yaml"_s, 12, 5, u"boom"_s}.toString()),
                 u"dags/a.yaml:12:5: boom"_s);
        QCOMPARE((DagFileError{u"dags/a.yaml"_s, 12, 0, u"boom"_s}.toString()),
                 u"dags/a.yaml:12: boom"_s);
        QCOMPARE((DagFileError{u"dags/a.yaml"_s, 0, 0, u"boom"_s}.toString()),
                 u"dags/a.yaml: boom"_s);
    }

    void triggerRuleNames()
    {
        const QStringList names{u"all_success"_s, u"all_done"_s,   u"all_failed"_s,
                                u"one_success"_s, u"one_failed"_s, u"none_failed"_s,
                                u"always"_s};
        QSet<int> seen;
        for (const QString &name : names) {
            const std::optional<TriggerRule> rule = triggerRuleFromString(name);
            QVERIFY2(rule, qPrintable(name));
            QCOMPARE(toString(*rule), name);
            seen.insert(int(*rule));
        }
        QCOMPARE(seen.size(), names.size());
        QVERIFY(!triggerRuleFromString(u"All_Success"_s));
        QVERIFY(!triggerRuleFromString(QString()));
    }

    void retryDelay_data()
    {
        QTest::addColumn<bool>("exponential");
        QTest::addColumn<qint64>("maxDelayMs"); // -1: none
        QTest::addColumn<int>("tryNumber");
        QTest::addColumn<qint64>("expectedMs");
        QTest::newRow("first try waits not") << true << qint64(-1) << 1 << qint64(0);
        QTest::newRow("constant") << false << qint64(-1) << 5 << qint64(30000);
        QTest::newRow("constant ignores cap") << false << qint64(10000) << 5 << qint64(30000);
        QTest::newRow("exp first retry") << true << qint64(-1) << 2 << qint64(30000);
        QTest::newRow("exp second retry") << true << qint64(-1) << 3 << qint64(60000);
        QTest::newRow("exp fourth retry") << true << qint64(-1) << 5 << qint64(240000);
        QTest::newRow("exp capped") << true << qint64(100000) << 5 << qint64(100000);
        QTest::newRow("exp huge try capped") << true << qint64(600000) << 100000 << qint64(600000);
        QTest::newRow("exp huge try uncapped does not overflow")
            << true << qint64(-1) << std::numeric_limits<int>::max() << qint64(24LL * 3600 * 1000);
        QTest::newRow("exp without cap stops at a day")
            << true << qint64(-1) << 30 << qint64(24LL * 3600 * 1000);
    }

    void retryDelay()
    {
        QFETCH(bool, exponential);
        QFETCH(qint64, maxDelayMs);
        QFETCH(int, tryNumber);
        QFETCH(qint64, expectedMs);
        RetryPolicy policy;
        policy.retries = 3;
        policy.delay = std::chrono::seconds(30);
        policy.exponentialBackoff = exponential;
        if (maxDelayMs >= 0)
            policy.maxDelay = std::chrono::milliseconds(maxDelayMs);
        QCOMPARE(policy.delayBefore(tryNumber).count(), expectedMs);
    }
};

QTEST_GUILESS_MAIN(TestDagFile)
#include "tst_dagfile.moc"
