#include "core/tracking/trackingstore.h"

#include "core/store/codedaccess.h"
#include "core/store/metricsummary.h"
#include "core/store/store.h"
#include "core/tracking/searchfilter.h"
#include "core/tracking/trackinglog.h"

#include <QDateTime>
#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QUrl>
#include <QUuid>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <tuple>

namespace millrace::tracking {

namespace {

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

std::string utf8(const QString &text)
{
    return text.toStdString();
}

QString text(const SQLite::Column &column)
{
    // Straight from SQLite's buffer: a std::string in between would copy every value twice.
    const char *data = column.getText();
    return QString::fromUtf8(data, column.getBytes());
}

const QRegularExpression &validKey()
{
    // MLflow's rule for metric, param and tag names.
    static const QRegularExpression pattern(QStringLiteral("^[/\\w.\\- :]+$"));
    return pattern;
}

void checkKey(const QString &kind, const QString &key)
{
    if (key.isEmpty())
        raiseCoded(errorcode::kInvalidParameterValue,
                   QStringLiteral("Missing value for required parameter 'key' of a %1").arg(kind));
    // As in MLflow, which uses them as file names, keys are relative paths with no empty or
    // upward parts.
    if (!validKey().match(key).hasMatch() || key.contains(QLatin1String(".."))
        || key.startsWith(QLatin1Char('/')) || key.endsWith(QLatin1Char('/'))
        || key.contains(QLatin1String("//")))
        raiseCoded(
            errorcode::kInvalidParameterValue,
            QStringLiteral("Invalid %1 name: '%2'. Names may only contain alphanumerics, "
                           "underscores (_), dashes (-), periods (.), spaces ( ), colons (:) and "
                           "slashes (/).")
                .arg(kind, key));
}

// ---- experiments ---------------------------------------------------------------------------

Experiment readExperimentRow(SQLite::Database &db, SQLite::Statement &row)
{
    Experiment experiment;
    experiment.id = QString::number(row.getColumn(0).getInt64());
    experiment.name = text(row.getColumn(1));
    experiment.artifactLocation = text(row.getColumn(2));
    experiment.lifecycleStage = text(row.getColumn(3)) == QLatin1String("deleted")
                                    ? LifecycleStage::Deleted
                                    : LifecycleStage::Active;
    experiment.creationTime = row.getColumn(4).getInt64();
    experiment.lastUpdateTime = row.getColumn(5).getInt64();
    SQLite::Statement tags(db, "SELECT key, value FROM experiment_tags WHERE experiment_id = ?");
    tags.bind(1, row.getColumn(0).getInt64());
    while (tags.executeStep())
        experiment.tags.insert(text(tags.getColumn(0)), text(tags.getColumn(1)));
    return experiment;
}

constexpr const char *kExperimentColumns =
    "SELECT experiment_id, name, artifact_location, lifecycle_stage, creation_time, "
    "last_update_time FROM experiments ";

qint64 parseExperimentId(const QString &id)
{
    bool ok = false;
    const qint64 value = id.toLongLong(&ok);
    if (!ok || id.isEmpty())
        raiseCoded(
            errorcode::kInvalidParameterValue,
            QStringLiteral("Invalid experiment ID '%1'. Experiment ID must be a valid integer.")
                .arg(id));
    return value;
}

Experiment loadExperiment(SQLite::Database &db, const QString &id)
{
    SQLite::Statement row(db, std::string(kExperimentColumns) + "WHERE experiment_id = ?");
    row.bind(1, static_cast<int64_t>(parseExperimentId(id)));
    if (!row.executeStep())
        raiseCoded(errorcode::kResourceDoesNotExist,
                   QStringLiteral("No Experiment with id=%1 exists").arg(id));
    return readExperimentRow(db, row);
}

void touchExperiment(SQLite::Database &db, qint64 id)
{
    SQLite::Statement update(db,
                             "UPDATE experiments SET last_update_time = ? WHERE experiment_id = ?");
    update.bind(1, static_cast<int64_t>(nowMs()));
    update.bind(2, static_cast<int64_t>(id));
    update.exec();
}

// A statement driven through SQLite's C API. Listings and charts read hundreds of thousands of
// rows, where SQLiteCpp's column objects (two atomic reference counts each) cost more than the
// reading itself.
class RawStatement
{
public:
    RawStatement(SQLite::Database &db, const char *sql) : m_db(db.getHandle())
    {
        if (sqlite3_prepare_v2(m_db, sql, -1, &m_statement, nullptr) != SQLITE_OK)
            throw SQLite::Exception(m_db, sqlite3_errcode(m_db));
    }
    ~RawStatement() { sqlite3_finalize(m_statement); }
    RawStatement(const RawStatement &) = delete;
    RawStatement &operator=(const RawStatement &) = delete;

    void restart()
    {
        sqlite3_reset(m_statement);
        sqlite3_clear_bindings(m_statement);
    }
    void bind(int index, qint64 value) { sqlite3_bind_int64(m_statement, index, value); }
    void bind(int index, double value) { sqlite3_bind_double(m_statement, index, value); }
    /// Binds a copy of `value`.
    void bindCopy(int index, const std::string &value)
    {
        sqlite3_bind_text(m_statement, index, value.data(), int(value.size()), SQLITE_TRANSIENT);
    }
    sqlite3_stmt *handle() const { return m_statement; }
    /// Binds `value` without copying: it must outlive the statement's use.
    void bindStatic(int index, const std::string &value)
    {
        sqlite3_bind_text(m_statement, index, value.data(), int(value.size()), SQLITE_STATIC);
    }
    /// Steps to the next row; false when there is none.
    bool next()
    {
        const int status = sqlite3_step(m_statement);
        if (status == SQLITE_ROW)
            return true;
        if (status != SQLITE_DONE)
            throw SQLite::Exception(m_db, status);
        return false;
    }
    qint64 integer(int column) const { return sqlite3_column_int64(m_statement, column); }
    double real(int column) const { return sqlite3_column_double(m_statement, column); }
    bool isNull(int column) const
    {
        return sqlite3_column_type(m_statement, column) == SQLITE_NULL;
    }
    /// The column as stored (UTF-8), valid until the next step.
    QByteArrayView bytes(int column) const
    {
        const auto *data = reinterpret_cast<const char *>(sqlite3_column_text(m_statement, column));
        return QByteArrayView(data, sqlite3_column_bytes(m_statement, column));
    }

private:
    sqlite3 *m_db;
    sqlite3_stmt *m_statement = nullptr;
};

// ---- runs ----------------------------------------------------------------------------------

struct RunRow
{
    qint64 key = 0;
    RunInfo info;
};

constexpr const char *kRunColumns =
    "SELECT run_key, run_uuid, experiment_id, name, user_id, status, start_time, end_time, "
    "artifact_uri, lifecycle_stage FROM runs ";

// A row of kRunColumns, read through SQLite's C API (listings read thousands).
RunRow readRunRow(sqlite3_stmt *row)
{
    auto bytes = [row](int column) {
        return QByteArrayView(reinterpret_cast<const char *>(sqlite3_column_text(row, column)),
                              sqlite3_column_bytes(row, column));
    };
    RunRow run;
    run.key = sqlite3_column_int64(row, 0);
    run.info.runId = QString::fromUtf8(bytes(1));
    run.info.experimentId = QString::number(sqlite3_column_int64(row, 2));
    run.info.runName = QString::fromUtf8(bytes(3));
    run.info.userId = QString::fromUtf8(bytes(4));
    const QByteArrayView status = bytes(5);
    run.info.status = status == "FINISHED"    ? RunStatus::Finished
                      : status == "FAILED"    ? RunStatus::Failed
                      : status == "KILLED"    ? RunStatus::Killed
                      : status == "SCHEDULED" ? RunStatus::Scheduled
                                              : RunStatus::Running;
    if (sqlite3_column_type(row, 6) != SQLITE_NULL)
        run.info.startTime = sqlite3_column_int64(row, 6);
    if (sqlite3_column_type(row, 7) != SQLITE_NULL)
        run.info.endTime = sqlite3_column_int64(row, 7);
    run.info.artifactUri = QString::fromUtf8(bytes(8));
    run.info.lifecycleStage =
        bytes(9) == "deleted" ? LifecycleStage::Deleted : LifecycleStage::Active;
    return run;
}

RunRow loadRunRow(SQLite::Database &db, const QString &runId)
{
    const std::string sql = std::string(kRunColumns) + "WHERE run_uuid = ?1";
    RawStatement row(db, sql.c_str());
    const std::string id = utf8(runId);
    row.bindStatic(1, id);
    if (!row.next())
        raiseCoded(errorcode::kResourceDoesNotExist,
                   QStringLiteral("Run with id=%1 not found").arg(runId));
    return readRunRow(row.handle());
}

RunRow loadActiveRunRow(SQLite::Database &db, const QString &runId)
{
    RunRow run = loadRunRow(db, runId);
    if (run.info.lifecycleStage != LifecycleStage::Active)
        raiseCoded(
            errorcode::kInvalidParameterValue,
            QStringLiteral("The run %1 must be in the 'active' state. Current state is deleted.")
                .arg(runId));
    return run;
}

double metricValue(const SQLite::Column &column)
{
    return column.isNull() ? std::numeric_limits<double>::quiet_NaN() : column.getDouble();
}

// Texts read at each place of a run's key/value rows, as stored and as handed out. Runs of one
// experiment mostly log the same keys (and often the same values) in the same order, so a text
// equal to the one the previous run had at that place is shared instead of decoded again.
class PlaceCache
{
public:
    QString text(int place, QByteArrayView stored)
    {
        if (place < m_texts.size()) {
            const QByteArray &cached = m_texts.at(place).first;
            if (cached.size() == stored.size()
                && std::memcmp(cached.constData(), stored.data(), size_t(stored.size())) == 0)
                return m_texts.at(place).second;
        }
        QString decoded = QString::fromUtf8(stored);
        if (place == m_texts.size())
            m_texts.append(QPair<QByteArray, QString>());
        if (place < m_texts.size()) {
            // Texts that differ from run to run (a seed, a path) miss every time: reuse the
            // place's buffer rather than allocate a copy of each.
            QByteArray &bytes = m_texts[place].first;
            bytes.resize(stored.size());
            std::memcpy(bytes.data(), stored.data(), size_t(stored.size()));
            m_texts[place].second = decoded;
        }
        return decoded;
    }

private:
    QList<QPair<QByteArray, QString>> m_texts;
};

// Reads the params, tags and latest metrics of runs. A listing of thousands of runs reads each
// table in one range scan over the runs' keys (runs of an experiment have nearby keys), rather
// than three queries per run; runs far apart are read one by one. One read transaction holds
// them all, so they see one state of the store.
class RunDataReader
{
public:
    explicit RunDataReader(SQLite::Database &db)
        : m_params(db, "SELECT run_key, key, value FROM params "
                       "WHERE run_key BETWEEN ?1 AND ?2 ORDER BY run_key, key"),
          m_tags(db, "SELECT run_key, key, value FROM tags "
                     "WHERE run_key BETWEEN ?1 AND ?2 ORDER BY run_key, key"),
          m_metrics(db, "SELECT run_key, key, value, timestamp, step FROM latest_metrics "
                        "WHERE run_key BETWEEN ?1 AND ?2 ORDER BY run_key, key")
    {
    }

    QList<Run> load(const QList<RunRow> &rows)
    {
        QList<Run> runs(rows.size());
        if (rows.isEmpty())
            return runs;
        qint64 first = rows.first().key;
        qint64 last = first;
        for (int i = 0; i < rows.size(); ++i) {
            runs[i].info = rows.at(i).info;
            first = std::min(first, rows.at(i).key);
            last = std::max(last, rows.at(i).key);
        }
        // Scanning a range with up to three keys per run wanted costs less than a query per run.
        const qint64 span = last - first + 1;
        if (rows.size() >= kFewRuns && span <= 3 * qint64(rows.size())) {
            std::vector<int> slots(size_t(span), -1);
            for (int i = 0; i < rows.size(); ++i)
                slots[size_t(rows.at(i).key - first)] = i;
            readRange(runs, first, last, [&](qint64 key) { return slots[size_t(key - first)]; });
        } else {
            for (int i = 0; i < rows.size(); ++i) {
                const qint64 key = rows.at(i).key;
                readRange(runs, key, key, [i](qint64) { return i; });
            }
        }
        return runs;
    }

private:
    static constexpr int kFewRuns = 64;

    // Reads the rows of runs with keys in [first, last] into `runs`; slotOf tells a run key's
    // place in `runs`, or -1 for a run not asked for.
    template <typename SlotOf>
    void readRange(QList<Run> &runs, qint64 first, qint64 last, const SlotOf &slotOf)
    {
        readKeyValues(m_params, first, last, slotOf, m_paramKeys, m_paramValues,
                      [&runs](int slot) -> KeyValueList & { return runs[slot].params; });
        readKeyValues(m_tags, first, last, slotOf, m_tagKeys, m_tagValues,
                      [&runs](int slot) -> KeyValueList & { return runs[slot].tags; });
        m_metrics.restart();
        m_metrics.bind(1, first);
        m_metrics.bind(2, last);
        qint64 runKey = -1;
        int slot = -1;
        int place = 0;
        while (m_metrics.next()) {
            if (m_metrics.integer(0) != runKey) {
                runKey = m_metrics.integer(0);
                slot = slotOf(runKey);
                // Runs of a listing mostly log as many metrics as the one before.
                if (slot >= 0)
                    runs[slot].latestMetrics.reserve(std::max(place, 4));
                place = 0;
            }
            if (slot < 0)
                continue;
            runs[slot].latestMetrics.append(
                {m_metricKeys.text(place++, m_metrics.bytes(1)),
                 m_metrics.isNull(2) ? std::numeric_limits<double>::quiet_NaN() : m_metrics.real(2),
                 m_metrics.integer(3), m_metrics.integer(4)});
        }
    }

    // Reads key-value rows (params or tags) into listOf(slot) of each run asked for.
    template <typename SlotOf, typename ListOf>
    static void readKeyValues(RawStatement &query, qint64 first, qint64 last, const SlotOf &slotOf,
                              PlaceCache &keys, PlaceCache &values, const ListOf &listOf)
    {
        query.restart();
        query.bind(1, first);
        query.bind(2, last);
        qint64 runKey = -1;
        KeyValueList *list = nullptr;
        int place = 0;
        while (query.next()) {
            if (query.integer(0) != runKey) {
                runKey = query.integer(0);
                const int slot = slotOf(runKey);
                list = slot >= 0 ? &listOf(slot) : nullptr;
                // Runs of a listing mostly have as many as the one before.
                if (list)
                    list->reserve(std::max(place, 4));
                place = 0;
            }
            if (!list)
                continue;
            list->insert(keys.text(place, query.bytes(1)), values.text(place, query.bytes(2)));
            ++place;
        }
    }

    RawStatement m_params;
    RawStatement m_tags;
    RawStatement m_metrics;
    PlaceCache m_paramKeys;
    PlaceCache m_paramValues;
    PlaceCache m_tagKeys;
    PlaceCache m_tagValues;
    PlaceCache m_metricKeys;
};

Run loadRun(SQLite::Database &db, const RunRow &row)
{
    return RunDataReader(db).load({row}).constFirst();
}

void upsertTag(SQLite::Database &db, qint64 runKey, const QString &key, const QString &value)
{
    SQLite::Statement upsert(db, "INSERT INTO tags(run_key, key, value) VALUES (?, ?, ?) "
                                 "ON CONFLICT(run_key, key) DO UPDATE SET value = excluded.value");
    upsert.bind(1, static_cast<int64_t>(runKey));
    upsert.bind(2, utf8(key));
    upsert.bind(3, utf8(value));
    upsert.exec();
}

QString generateRunName()
{
    // Readable names, as MLflow gives runs created without one.
    static const char *const adjectives[] = {
        "amber", "brisk", "calm",   "deft",   "eager", "fleet", "gentle", "hardy",
        "keen",  "lucid", "mellow", "nimble", "quiet", "rapid", "steady", "vivid"};
    static const char *const nouns[] = {"brook", "cascade", "current", "delta", "eddy",   "flume",
                                        "lock",  "mill",    "rapids",  "reach", "sluice", "spring",
                                        "tide",  "weir",    "wheel",   "wake"};
    QRandomGenerator *random = QRandomGenerator::global();
    return QStringLiteral("%1-%2-%3")
        .arg(QLatin1String(adjectives[random->bounded(int(std::size(adjectives)))]),
             QLatin1String(nouns[random->bounded(int(std::size(nouns)))]))
        .arg(random->bounded(1000));
}

// ---- search --------------------------------------------------------------------------------

// Turns a LIKE pattern (% and _) into a case-sensitive GLOB pattern.
QString likeToGlob(const QString &like)
{
    QString glob;
    for (const QChar c : like) {
        if (c == QLatin1Char('%'))
            glob += QLatin1Char('*');
        else if (c == QLatin1Char('_'))
            glob += QLatin1Char('?');
        else if (c == QLatin1Char('*') || c == QLatin1Char('?') || c == QLatin1Char('['))
            glob += QLatin1Char('[') + c + QLatin1Char(']');
        else
            glob += c;
    }
    return glob;
}

// SQL text plus the values bound to its '?' placeholders, in order.
struct SqlFragment
{
    QString sql;
    QVariantList bindings;
};

Error invalidAt(const Comparison &comparison, const QString &what)
{
    return fail(errorcode::kInvalidParameterValue,
                QStringLiteral("Invalid search filter at position %1: %2")
                    .arg(comparison.position + 1)
                    .arg(what));
}

// How one searchable thing (run or experiment) maps filter terms to SQL.
struct SearchSchema
{
    // Attribute name -> column, and whether it compares as a number.
    QMap<QString, QPair<QString, bool>> attributes;
    // Subqueries selecting a value for the current row: %1 is the key placeholder.
    QString metricValue; // empty when metrics are not searchable
    QString paramValue;
    QString tagValue;
};

const SearchSchema &runSchema()
{
    static const SearchSchema schema{
        {
            {QStringLiteral("run_id"), {QStringLiteral("r.run_uuid"), false}},
            {QStringLiteral("run_name"), {QStringLiteral("r.name"), false}},
            {QStringLiteral("run name"), {QStringLiteral("r.name"), false}},
            {QStringLiteral("status"), {QStringLiteral("r.status"), false}},
            {QStringLiteral("user_id"), {QStringLiteral("r.user_id"), false}},
            {QStringLiteral("artifact_uri"), {QStringLiteral("r.artifact_uri"), false}},
            {QStringLiteral("lifecycle_stage"), {QStringLiteral("r.lifecycle_stage"), false}},
            {QStringLiteral("start_time"), {QStringLiteral("r.start_time"), true}},
            {QStringLiteral("created"), {QStringLiteral("r.start_time"), true}},
            {QStringLiteral("end_time"), {QStringLiteral("r.end_time"), true}},
        },
        QStringLiteral(
            "(SELECT m.value FROM latest_metrics m WHERE m.run_key = r.run_key AND m.key = ?)"),
        QStringLiteral("(SELECT p.value FROM params p WHERE p.run_key = r.run_key AND p.key = ?)"),
        QStringLiteral("(SELECT t.value FROM tags t WHERE t.run_key = r.run_key AND t.key = ?)"),
    };
    return schema;
}

const SearchSchema &experimentSchema()
{
    static const SearchSchema schema{
        {
            {QStringLiteral("name"), {QStringLiteral("e.name"), false}},
            {QStringLiteral("experiment_id"),
             {QStringLiteral("CAST(e.experiment_id AS TEXT)"), false}},
            {QStringLiteral("creation_time"), {QStringLiteral("e.creation_time"), true}},
            {QStringLiteral("last_update_time"), {QStringLiteral("e.last_update_time"), true}},
        },
        QString(),
        QString(),
        QStringLiteral("(SELECT t.value FROM experiment_tags t WHERE t.experiment_id = "
                       "e.experiment_id AND t.key = ?)"),
    };
    return schema;
}

Result<SqlFragment> comparisonSql(const SearchSchema &schema, const Comparison &c)
{
    SqlFragment fragment;
    QString target;
    bool numeric = false;
    switch (c.entity) {
    case Entity::Metric:
        if (schema.metricValue.isEmpty())
            return invalidAt(c, QStringLiteral("metrics cannot be searched here"));
        target = schema.metricValue;
        numeric = true;
        fragment.bindings.append(c.key);
        break;
    case Entity::Param:
        if (schema.paramValue.isEmpty())
            return invalidAt(c, QStringLiteral("params cannot be searched here"));
        target = schema.paramValue;
        fragment.bindings.append(c.key);
        break;
    case Entity::Tag:
        target = schema.tagValue;
        fragment.bindings.append(c.key);
        break;
    case Entity::Attribute: {
        const auto attribute = schema.attributes.constFind(c.key);
        if (attribute == schema.attributes.cend())
            return invalidAt(
                c,
                QStringLiteral("unknown attribute '%1' (known: %2)")
                    .arg(c.key, QStringList(schema.attributes.keys()).join(QStringLiteral(", "))));
        target = attribute->first;
        numeric = attribute->second;
        break;
    }
    }

    static const QStringList numericOps = {QStringLiteral("="), QStringLiteral("!="),
                                           QStringLiteral("<"), QStringLiteral("<="),
                                           QStringLiteral(">"), QStringLiteral(">=")};
    if (c.op == QLatin1String("IN") || c.op == QLatin1String("NOT IN")) {
        if (numeric || c.entity == Entity::Metric)
            return invalidAt(c, QStringLiteral("%1 only works on text values").arg(c.op));
        const QStringList values = c.value.toStringList();
        QStringList marks;
        for (const QString &value : values) {
            marks.append(QStringLiteral("?"));
            fragment.bindings.append(value);
        }
        fragment.sql =
            QStringLiteral("%1 %2 (%3)").arg(target, c.op, marks.join(QStringLiteral(", ")));
        if (c.op == QLatin1String("NOT IN")) {
            fragment.sql = QStringLiteral("(%1 IS NOT NULL AND %2)").arg(target, fragment.sql);
            // The target now appears twice; a key subquery needs its key bound twice too.
            if (c.entity != Entity::Attribute)
                fragment.bindings.prepend(c.key);
        }
        return fragment;
    }
    if (numeric) {
        if (!numericOps.contains(c.op))
            return invalidAt(
                c,
                QStringLiteral("'%1' needs a numeric comparison (=, !=, <, <=, >, >=)").arg(c.key));
        if (c.value.typeId() != QMetaType::Double)
            return invalidAt(c, QStringLiteral("'%1' is compared with a number, not '%2'")
                                    .arg(c.key, c.value.toString()));
        fragment.sql = QStringLiteral("%1 %2 ?").arg(target, c.op);
        fragment.bindings.append(c.value.toDouble());
        return fragment;
    }
    if (c.value.typeId() != QMetaType::QString)
        return invalidAt(c, QStringLiteral("'%1' is compared with a 'quoted' value").arg(c.key));
    if (c.op == QLatin1String("=") || c.op == QLatin1String("!=")) {
        fragment.sql = QStringLiteral("%1 %2 ?").arg(target, c.op);
        fragment.bindings.append(c.value.toString());
    } else if (c.op == QLatin1String("LIKE")) {
        fragment.sql = QStringLiteral("%1 GLOB ?").arg(target);
        fragment.bindings.append(likeToGlob(c.value.toString()));
    } else if (c.op == QLatin1String("ILIKE")) {
        // SQLite's LIKE and lower() fold ASCII case only. Both sides go through the same lower(),
        // so a value always matches its own spelling (Qt's toLower() on the pattern alone made
        // 'Łódź' miss 'Łódź'); other non-ASCII letters still compare case-sensitively.
        fragment.sql = QStringLiteral("lower(%1) LIKE lower(?)").arg(target);
        fragment.bindings.append(c.value.toString());
    } else {
        return invalidAt(
            c, QStringLiteral("'%1' is text: use =, !=, LIKE, ILIKE, IN or NOT IN").arg(c.key));
    }
    return fragment;
}

Result<SqlFragment> filterSql(const SearchSchema &schema, const FilterNode &node)
{
    if (node.kind == FilterNode::Kind::Leaf)
        return comparisonSql(schema, node.comparison);
    SqlFragment combined;
    QStringList parts;
    for (const FilterNode &child : node.children) {
        Result<SqlFragment> part = filterSql(schema, child);
        if (!part)
            return part;
        parts.append(QStringLiteral("(%1)").arg(part->sql));
        combined.bindings.append(part->bindings);
    }
    combined.sql = parts.join(node.kind == FilterNode::Kind::And ? QStringLiteral(" AND ")
                                                                 : QStringLiteral(" OR "));
    return combined;
}

Result<SqlFragment> orderSql(const SearchSchema &schema, const QList<OrderTerm> &terms)
{
    SqlFragment order;
    QStringList parts;
    for (const OrderTerm &term : terms) {
        QString expression;
        QVariantList bindings;
        switch (term.entity) {
        case Entity::Metric:
            expression = schema.metricValue;
            bindings.append(term.key);
            break;
        case Entity::Param:
            expression = schema.paramValue;
            bindings.append(term.key);
            break;
        case Entity::Tag:
            expression = schema.tagValue;
            bindings.append(term.key);
            break;
        case Entity::Attribute: {
            const auto attribute = schema.attributes.constFind(term.key);
            if (attribute == schema.attributes.cend())
                return fail(
                    errorcode::kInvalidParameterValue,
                    QStringLiteral("Invalid order_by: unknown attribute '%1'").arg(term.key));
            expression = attribute->first;
            break;
        }
        }
        if (expression.isEmpty())
            return fail(
                errorcode::kInvalidParameterValue,
                QStringLiteral("Invalid order_by: cannot order by '%1' here").arg(term.key));
        // Missing values last, whichever the direction.
        parts.append(QStringLiteral("%1 IS NULL").arg(expression));
        order.bindings.append(bindings);
        parts.append(QStringLiteral("%1 %2").arg(
            expression, term.ascending ? QStringLiteral("ASC") : QStringLiteral("DESC")));
        order.bindings.append(bindings);
    }
    order.sql = parts.join(QStringLiteral(", "));
    return order;
}

void bindAll(SQLite::Statement &statement, const QVariantList &bindings, int first = 1)
{
    int index = first;
    for (const QVariant &value : bindings) {
        if (value.typeId() == QMetaType::Double)
            statement.bind(index++, value.toDouble());
        else if (value.typeId() == QMetaType::LongLong || value.typeId() == QMetaType::Int)
            statement.bind(index++, static_cast<int64_t>(value.toLongLong()));
        else
            statement.bind(index++, utf8(value.toString()));
    }
}

void bindAll(RawStatement &statement, const QVariantList &bindings)
{
    int index = 1;
    for (const QVariant &value : bindings) {
        if (value.typeId() == QMetaType::Double)
            statement.bind(index++, value.toDouble());
        else if (value.typeId() == QMetaType::LongLong || value.typeId() == QMetaType::Int)
            statement.bind(index++, qint64(value.toLongLong()));
        else
            statement.bindCopy(index++, utf8(value.toString()));
    }
}

QString lifecycleCondition(const QString &column, ViewType viewType)
{
    switch (viewType) {
    case ViewType::ActiveOnly:
        return QStringLiteral("%1 = 'active'").arg(column);
    case ViewType::DeletedOnly:
        return QStringLiteral("%1 = 'deleted'").arg(column);
    case ViewType::All:
        break;
    }
    return QStringLiteral("1");
}

// A search compiled to SQL: "<select> WHERE <where> ORDER BY <order> LIMIT ? OFFSET ?" with its
// bound values, shared by run and experiment search.
struct SearchQuery
{
    QString sql;
    QVariantList bindings;
    qint64 offset = 0;
    int limit = 0;

    // Prepares the statement with every value bound, asking for one row more than a page so
    // the caller can tell whether another page follows.
    SQLite::Statement prepare(SQLite::Database &db) const
    {
        SQLite::Statement query(db, utf8(sql));
        bindAll(query, bindings);
        query.bind(int(bindings.size()) + 1, limit + 1);
        query.bind(int(bindings.size()) + 2, static_cast<int64_t>(offset));
        return query;
    }
    QString nextPageToken() const { return makePageToken(offset + limit); }
};

Result<SearchQuery> planSearch(const SearchSchema &schema, const QString &select, SqlFragment where,
                               const QString &filter, const QStringList &orderBy,
                               const QString &tieBreak, int maxResults, const QString &pageToken)
{
    auto parsed = parseFilter(filter);
    if (!parsed)
        return parsed.error();
    auto terms = parseOrderBy(orderBy);
    if (!terms)
        return terms.error();
    auto offset = offsetFromPageToken(pageToken);
    if (!offset)
        return offset.error();
    if (*parsed) {
        auto condition = filterSql(schema, **parsed);
        if (!condition)
            return condition.error();
        where.sql += QStringLiteral(" AND (%1)").arg(condition->sql);
        where.bindings.append(condition->bindings);
    }
    auto order = orderSql(schema, *terms);
    if (!order)
        return order.error();
    const QString orderClause =
        (order->sql.isEmpty() ? QString() : order->sql + QStringLiteral(", ")) + tieBreak;
    SearchQuery query;
    query.sql = QStringLiteral("%1 WHERE %2 ORDER BY %3 LIMIT ? OFFSET ?")
                    .arg(select, where.sql, orderClause);
    query.bindings = where.bindings + order->bindings;
    query.offset = *offset;
    query.limit = maxResults > 0 ? maxResults : 1000;
    return query;
}

} // namespace

TrackingStore::TrackingStore(Store &store, QString artifactRoot)
    : m_store(store), m_artifactRoot(std::move(artifactRoot))
{
}

template <typename Fn> QFuture<Result<void>> TrackingStore::writeCheckedAsync(Fn write)
{
    return writeCodedAsync(m_store, std::move(write));
}

template <typename Fn> Result<void> TrackingStore::writeChecked(Fn write)
{
    return writeCoded(m_store, std::move(write));
}

// ---- experiments ---------------------------------------------------------------------------

Result<QString> TrackingStore::createExperiment(const QString &name,
                                                const QString &artifactLocation,
                                                const KeyValueList &tags)
{
    if (name.trimmed().isEmpty())
        return fail(
            errorcode::kInvalidParameterValue,
            QStringLiteral("Invalid experiment name: ''. Experiment name cannot be empty."));
    auto id = std::make_shared<qint64>(0);
    Result<void> written = writeChecked([=](SQLite::Database &db) {
        SQLite::Statement exists(db, "SELECT 1 FROM experiments WHERE name = ?");
        exists.bind(1, utf8(name));
        if (exists.executeStep())
            raiseCoded(errorcode::kResourceAlreadyExists,
                       QStringLiteral("Experiment '%1' already exists.").arg(name));
        const qint64 now = nowMs();
        SQLite::Statement insert(db, "INSERT INTO experiments(name, artifact_location, "
                                     "creation_time, last_update_time) VALUES (?, '', ?, ?)");
        insert.bind(1, utf8(name));
        insert.bind(2, static_cast<int64_t>(now));
        insert.bind(3, static_cast<int64_t>(now));
        insert.exec();
        *id = db.getLastInsertRowid();
        const QString location = artifactLocation.isEmpty()
                                     ? QStringLiteral("mlflow-artifacts:/%1").arg(*id)
                                     : artifactLocation;
        SQLite::Statement setLocation(db, "UPDATE experiments SET artifact_location = ? "
                                          "WHERE experiment_id = ?");
        setLocation.bind(1, utf8(location));
        setLocation.bind(2, static_cast<int64_t>(*id));
        setLocation.exec();
        for (const KeyValue &item : tags) {
            SQLite::Statement tag(db, "INSERT INTO experiment_tags VALUES (?, ?, ?)");
            tag.bind(1, static_cast<int64_t>(*id));
            tag.bind(2, utf8(item.key));
            tag.bind(3, utf8(item.value));
            tag.exec();
        }
    });
    if (!written)
        return written.error();
    qCInfo(lcTracking).noquote() << "experiment" << *id << name << "created";
    return QString::number(*id);
}

Result<Experiment> TrackingStore::experiment(const QString &experimentId) const
{
    return readCoded(m_store,
                     [&](SQLite::Database &db) { return loadExperiment(db, experimentId); });
}

Result<Experiment> TrackingStore::experimentByName(const QString &name) const
{
    return readCoded(m_store, [&](SQLite::Database &db) {
        SQLite::Statement row(db, std::string(kExperimentColumns) + "WHERE name = ?");
        row.bind(1, utf8(name));
        if (!row.executeStep())
            raiseCoded(errorcode::kResourceDoesNotExist,
                       QStringLiteral("Could not find experiment with name '%1'").arg(name));
        return readExperimentRow(db, row);
    });
}

Result<Page<Experiment>> TrackingStore::searchExperiments(ViewType viewType, int maxResults,
                                                          const QString &pageToken,
                                                          const QString &filter,
                                                          const QStringList &orderBy) const
{
    auto plan = planSearch(
        experimentSchema(), QLatin1String(kExperimentColumns) + QStringLiteral("e"),
        {lifecycleCondition(QStringLiteral("e.lifecycle_stage"), viewType), {}}, filter, orderBy,
        QStringLiteral("e.last_update_time DESC, e.experiment_id DESC"), maxResults, pageToken);
    if (!plan)
        return plan.error();
    return readCoded(m_store, [&](SQLite::Database &db) {
        SQLite::Statement query = plan->prepare(db);
        Page<Experiment> page;
        while (query.executeStep()) {
            if (page.items.size() == plan->limit) {
                page.nextPageToken = plan->nextPageToken();
                break;
            }
            page.items.append(readExperimentRow(db, query));
        }
        return page;
    });
}

Result<void> TrackingStore::renameExperiment(const QString &experimentId, const QString &newName)
{
    if (newName.trimmed().isEmpty())
        return fail(
            errorcode::kInvalidParameterValue,
            QStringLiteral("Invalid experiment name: ''. Experiment name cannot be empty."));
    return writeChecked([=](SQLite::Database &db) {
        const Experiment experiment = loadExperiment(db, experimentId);
        if (experiment.lifecycleStage != LifecycleStage::Active)
            raiseCoded(errorcode::kInvalidParameterValue,
                       QStringLiteral("Cannot rename a non-active experiment."));
        SQLite::Statement exists(db,
                                 "SELECT 1 FROM experiments WHERE name = ? AND experiment_id != ?");
        exists.bind(1, utf8(newName));
        exists.bind(2, static_cast<int64_t>(experimentId.toLongLong()));
        if (exists.executeStep())
            raiseCoded(errorcode::kResourceAlreadyExists,
                       QStringLiteral("Experiment '%1' already exists.").arg(newName));
        SQLite::Statement update(db, "UPDATE experiments SET name = ?, last_update_time = ? "
                                     "WHERE experiment_id = ?");
        update.bind(1, utf8(newName));
        update.bind(2, static_cast<int64_t>(nowMs()));
        update.bind(3, static_cast<int64_t>(experimentId.toLongLong()));
        update.exec();
    });
}

Result<void> TrackingStore::deleteExperiment(const QString &experimentId)
{
    return writeChecked([=](SQLite::Database &db) {
        const Experiment experiment = loadExperiment(db, experimentId);
        if (experiment.id == QLatin1String("0"))
            raiseCoded(
                errorcode::kInvalidParameterValue,
                QStringLiteral("Cannot delete the default experiment '0'. This is an internally "
                               "reserved experiment."));
        if (experiment.lifecycleStage == LifecycleStage::Deleted)
            return;
        const qint64 now = nowMs();
        SQLite::Statement update(db, "UPDATE experiments SET lifecycle_stage = 'deleted', "
                                     "last_update_time = ? WHERE experiment_id = ?");
        update.bind(1, static_cast<int64_t>(now));
        update.bind(2, static_cast<int64_t>(experimentId.toLongLong()));
        update.exec();
        // Its runs go to the bin with it, as in MLflow.
        SQLite::Statement runs(db, "UPDATE runs SET lifecycle_stage = 'deleted', deleted_time = ? "
                                   "WHERE experiment_id = ? AND lifecycle_stage = 'active'");
        runs.bind(1, static_cast<int64_t>(now));
        runs.bind(2, static_cast<int64_t>(experimentId.toLongLong()));
        runs.exec();
    });
}

Result<void> TrackingStore::restoreExperiment(const QString &experimentId)
{
    return writeChecked([=](SQLite::Database &db) {
        const Experiment experiment = loadExperiment(db, experimentId);
        if (experiment.lifecycleStage == LifecycleStage::Active)
            return;
        SQLite::Statement update(db, "UPDATE experiments SET lifecycle_stage = 'active', "
                                     "last_update_time = ? WHERE experiment_id = ?");
        update.bind(1, static_cast<int64_t>(nowMs()));
        update.bind(2, static_cast<int64_t>(experimentId.toLongLong()));
        update.exec();
        SQLite::Statement runs(db,
                               "UPDATE runs SET lifecycle_stage = 'active', deleted_time = NULL "
                               "WHERE experiment_id = ? AND lifecycle_stage = 'deleted'");
        runs.bind(1, static_cast<int64_t>(experimentId.toLongLong()));
        runs.exec();
    });
}

Result<void> TrackingStore::setExperimentTag(const QString &experimentId, const QString &key,
                                             const QString &value)
{
    return writeChecked([=](SQLite::Database &db) {
        checkKey(QStringLiteral("tag"), key);
        const Experiment experiment = loadExperiment(db, experimentId);
        if (experiment.lifecycleStage != LifecycleStage::Active)
            raiseCoded(
                errorcode::kInvalidParameterValue,
                QStringLiteral("The experiment %1 must be in the 'active' state. Current state is "
                               "deleted.")
                    .arg(experimentId));
        SQLite::Statement upsert(db, "INSERT INTO experiment_tags VALUES (?, ?, ?) ON CONFLICT"
                                     "(experiment_id, key) DO UPDATE SET value = excluded.value");
        upsert.bind(1, static_cast<int64_t>(experimentId.toLongLong()));
        upsert.bind(2, utf8(key));
        upsert.bind(3, utf8(value));
        upsert.exec();
        touchExperiment(db, experimentId.toLongLong());
    });
}

// ---- runs ----------------------------------------------------------------------------------

Result<Run> TrackingStore::createRun(const QString &experimentId, const QString &userId,
                                     const QString &runName, std::optional<qint64> startTime,
                                     const QList<QPair<QString, QString>> &tags)
{
    const QString runId = QUuid::createUuid().toString(QUuid::Id128);
    QString name = runName;
    for (const auto &[key, value] : tags) {
        if (key == kRunNameTag && name.isEmpty())
            name = value;
    }
    if (name.isEmpty())
        name = generateRunName();
    Result<void> written = writeChecked([=](SQLite::Database &db) {
        const Experiment experiment = loadExperiment(db, experimentId);
        if (experiment.lifecycleStage != LifecycleStage::Active)
            raiseCoded(
                errorcode::kInvalidParameterValue,
                QStringLiteral("The experiment %1 must be in the 'active' state. Current state is "
                               "deleted.")
                    .arg(experimentId));
        for (const auto &tag : tags)
            checkKey(QStringLiteral("tag"), tag.first);
        SQLite::Statement insert(db, "INSERT INTO runs(run_uuid, experiment_id, name, user_id, "
                                     "status, start_time, artifact_uri) VALUES (?, ?, ?, ?, "
                                     "'RUNNING', ?, ?)");
        insert.bind(1, utf8(runId));
        insert.bind(2, static_cast<int64_t>(experimentId.toLongLong()));
        insert.bind(3, utf8(name));
        insert.bind(4, utf8(userId));
        insert.bind(5, static_cast<int64_t>(startTime.value_or(nowMs())));
        insert.bind(
            6, utf8(QStringLiteral("%1/%2/artifacts").arg(experiment.artifactLocation, runId)));
        insert.exec();
        const qint64 runKey = db.getLastInsertRowid();
        for (const auto &[key, value] : tags)
            upsertTag(db, runKey, key, value);
        upsertTag(db, runKey, kRunNameTag, name);
    });
    if (!written)
        return written.error();
    return run(runId);
}

Result<Run> TrackingStore::run(const QString &runId) const
{
    return readCoded(m_store,
                     [&](SQLite::Database &db) { return loadRun(db, loadRunRow(db, runId)); });
}

Result<RunInfo> TrackingStore::updateRun(const QString &runId, std::optional<RunStatus> status,
                                         std::optional<qint64> endTime, const QString &runName)
{
    Result<void> written = writeChecked([=](SQLite::Database &db) {
        const RunRow row = loadActiveRunRow(db, runId);
        SQLite::Statement update(
            db, "UPDATE runs SET status = coalesce(?, status), end_time = "
                "coalesce(?, end_time), name = coalesce(?, name) WHERE run_key = ?");
        if (status)
            update.bind(1, utf8(toString(*status)));
        else
            update.bind(1);
        if (endTime)
            update.bind(2, static_cast<int64_t>(*endTime));
        else
            update.bind(2);
        if (!runName.isEmpty())
            update.bind(3, utf8(runName));
        else
            update.bind(3);
        update.bind(4, static_cast<int64_t>(row.key));
        update.exec();
        if (!runName.isEmpty())
            upsertTag(db, row.key, kRunNameTag, runName);
    });
    if (!written)
        return written.error();
    Result<Run> updated = run(runId);
    if (!updated)
        return updated.error();
    return updated->info;
}

Result<void> TrackingStore::deleteRun(const QString &runId)
{
    return writeChecked([=](SQLite::Database &db) {
        const RunRow row = loadRunRow(db, runId);
        SQLite::Statement update(db,
                                 "UPDATE runs SET lifecycle_stage = 'deleted', deleted_time = ? "
                                 "WHERE run_key = ?");
        update.bind(1, static_cast<int64_t>(nowMs()));
        update.bind(2, static_cast<int64_t>(row.key));
        update.exec();
    });
}

Result<void> TrackingStore::restoreRun(const QString &runId)
{
    return writeChecked([=](SQLite::Database &db) {
        const RunRow row = loadRunRow(db, runId);
        SQLite::Statement update(db, "UPDATE runs SET lifecycle_stage = 'active', deleted_time = "
                                     "NULL WHERE run_key = ?");
        update.bind(1, static_cast<int64_t>(row.key));
        update.exec();
    });
}

Result<void> TrackingStore::logBatch(const QString &runId, const QList<MetricPoint> &metrics,
                                     const QList<QPair<QString, QString>> &params,
                                     const QList<QPair<QString, QString>> &tags)
{
    return logBatchAsync(runId, metrics, params, tags).result();
}

QFuture<Result<void>> TrackingStore::logBatchAsync(const QString &runId,
                                                   const QList<MetricPoint> &metrics,
                                                   const QList<QPair<QString, QString>> &params,
                                                   const QList<QPair<QString, QString>> &tags)
{
    auto refuse = [](Error error) {
        return QtFuture::makeReadyFuture(Result<void>(std::move(error)));
    };
    // MLflow's wording, so scripts that match on it keep working.
    auto tooMany = [&](const char *kind, int limit, qsizetype count) {
        return refuse(fail(errorcode::kInvalidParameterValue,
                           QStringLiteral("A batch logging request can contain at most %1 %2. Got "
                                          "%3 %2. Please split up %2 across multiple requests and "
                                          "try again.")
                               .arg(limit)
                               .arg(QLatin1String(kind))
                               .arg(count)));
    };
    if (metrics.size() > kMaxMetricsPerBatch)
        return tooMany("metrics", kMaxMetricsPerBatch, metrics.size());
    if (params.size() > kMaxParamsPerBatch)
        return tooMany("params", kMaxParamsPerBatch, params.size());
    if (tags.size() > kMaxTagsPerBatch)
        return tooMany("tags", kMaxTagsPerBatch, tags.size());
    if (metrics.size() + params.size() + tags.size() > kMaxEntitiesPerBatch)
        return refuse(
            fail(errorcode::kInvalidParameterValue,
                 QStringLiteral("A batch logging request can contain at most %1 metrics, params "
                                "and tags in total. Got %2.")
                     .arg(kMaxEntitiesPerBatch)
                     .arg(metrics.size() + params.size() + tags.size())));
    return writeCheckedAsync([=](SQLite::Database &db) {
        const RunRow row = loadActiveRunRow(db, runId);
        const auto runKey = static_cast<int64_t>(row.key);

        QMap<QString, QString> inBatch;
        for (const auto &[key, value] : params) {
            checkKey(QStringLiteral("param"), key);
            if (value.size() > kMaxParamValueLength)
                raiseCoded(
                    errorcode::kInvalidParameterValue,
                    QStringLiteral("Param value '%1...' had length %2, which exceeded length "
                                   "limit of %3")
                        .arg(value.left(100))
                        .arg(value.size())
                        .arg(kMaxParamValueLength));
            const auto seen = inBatch.constFind(key);
            if (seen != inBatch.cend() && *seen != value)
                raiseCoded(
                    errorcode::kInvalidParameterValue,
                    QStringLiteral("Duplicate parameter keys have been submitted: [%1]. Please "
                                   "ensure the request contains only one param value per param "
                                   "key.")
                        .arg(key));
            inBatch.insert(key, value);
        }
        SQLite::Statement existing(db, "SELECT value FROM params WHERE run_key = ? AND key = ?");
        SQLite::Statement insertParam(db,
                                      "INSERT INTO params(run_key, key, value) VALUES (?, ?, ?)");
        for (auto it = inBatch.cbegin(); it != inBatch.cend(); ++it) {
            existing.bind(1, runKey);
            existing.bind(2, utf8(it.key()));
            if (existing.executeStep()) {
                const QString old = text(existing.getColumn(0));
                existing.reset();
                if (old != it.value())
                    raiseCoded(errorcode::kInvalidParameterValue,
                               QStringLiteral("Changing param values is not allowed. Param with "
                                              "key='%1' was already logged with value='%2' for run "
                                              "ID='%3'. Attempted logging new value '%4'.")
                                   .arg(it.key(), old, runId, it.value()));
                continue;
            }
            existing.reset();
            insertParam.bind(1, runKey);
            insertParam.bind(2, utf8(it.key()));
            insertParam.bind(3, utf8(it.value()));
            insertParam.exec();
            insertParam.reset();
        }

        SQLite::Statement insertMetric(db, "INSERT OR IGNORE INTO metrics(run_key, key, step, "
                                           "timestamp, value, is_nan) VALUES (?, ?, ?, ?, ?, ?)");
        // The latest point wins by step, then timestamp, then value (MLflow's order).
        SQLite::Statement latest(
            db, "INSERT INTO latest_metrics(run_key, key, step, timestamp, value) VALUES "
                "(?, ?, ?, ?, ?) ON CONFLICT(run_key, key) DO UPDATE SET step = excluded.step, "
                "timestamp = excluded.timestamp, value = excluded.value WHERE excluded.step > "
                "latest_metrics.step OR (excluded.step = latest_metrics.step AND "
                "(excluded.timestamp > latest_metrics.timestamp OR (excluded.timestamp = "
                "latest_metrics.timestamp AND coalesce(excluded.value, -1e308) >= "
                "coalesce(latest_metrics.value, -1e308))))");
        // Every point goes into the history; only each key's newest point of the batch is then
        // offered to latest_metrics, which halves the statements of a typical batch.
        struct KeyInBatch
        {
            std::string name;                             ///< the key as stored (UTF-8)
            const MetricPoint *newest;                    ///< its newest point in the batch
            std::vector<metricsummary::Point> inserted{}; ///< its points new to the history
        };
        std::map<QString, KeyInBatch> newestByKey;
        auto newer = [](const MetricPoint &a, const MetricPoint &b) {
            const double av = std::isnan(a.value) ? -1e308 : a.value;
            const double bv = std::isnan(b.value) ? -1e308 : b.value;
            return std::tie(a.step, a.timestamp, av) >= std::tie(b.step, b.timestamp, bv);
        };
        auto bindPoint = [runKey](SQLite::Statement &statement, const std::string &key,
                                  const MetricPoint &point) {
            statement.bind(1, runKey);
            statement.bindNoCopy(2, key);
            statement.bind(3, static_cast<int64_t>(point.step));
            statement.bind(4, static_cast<int64_t>(point.timestamp));
            if (std::isnan(point.value))
                statement.bind(5);
            else
                statement.bind(5, point.value);
        };
        for (const MetricPoint &point : metrics) {
            auto found = newestByKey.find(point.key);
            if (found == newestByKey.end()) {
                checkKey(QStringLiteral("metric"), point.key);
                found = newestByKey.emplace(point.key, KeyInBatch{utf8(point.key), &point}).first;
            } else if (newer(point, *found->second.newest)) {
                found->second.newest = &point;
            }
            bindPoint(insertMetric, found->second.name, point);
            // The history keeps NaN as 0 with is_nan set (the primary key cannot hold NULL).
            if (std::isnan(point.value))
                insertMetric.bind(5, 0.0);
            insertMetric.bind(6, std::isnan(point.value) ? 1 : 0);
            // A point already in the history is left out (once, as MLflow keeps it) and is not
            // summarised again.
            if (insertMetric.exec() > 0)
                found->second.inserted.push_back({point.step, point.timestamp,
                                                  std::isnan(point.value) ? 0 : point.value,
                                                  std::isnan(point.value)});
            insertMetric.reset();
        }
        for (auto &[key, inBatch] : newestByKey)
            metricsummary::append(db, runKey, inBatch.name, std::move(inBatch.inserted));
        for (const auto &[key, inBatch] : newestByKey) {
            bindPoint(latest, inBatch.name, *inBatch.newest);
            latest.exec();
            latest.reset();
        }
        for (const auto &[key, value] : tags) {
            checkKey(QStringLiteral("tag"), key);
            upsertTag(db, row.key, key, value);
            if (key == kRunNameTag) {
                SQLite::Statement rename(db, "UPDATE runs SET name = ? WHERE run_key = ?");
                rename.bind(1, utf8(value));
                rename.bind(2, runKey);
                rename.exec();
            }
        }
    });
}

Result<void> TrackingStore::deleteTag(const QString &runId, const QString &key)
{
    return writeChecked([=](SQLite::Database &db) {
        const RunRow row = loadActiveRunRow(db, runId);
        SQLite::Statement remove(db, "DELETE FROM tags WHERE run_key = ? AND key = ?");
        remove.bind(1, static_cast<int64_t>(row.key));
        remove.bind(2, utf8(key));
        if (remove.exec() == 0)
            raiseCoded(errorcode::kResourceDoesNotExist,
                       QStringLiteral("No tag with name: %1 in run with id %2").arg(key, runId));
    });
}

Result<Page<MetricPoint>> TrackingStore::metricHistory(const QString &runId, const QString &key,
                                                       int maxResults,
                                                       const QString &pageToken) const
{
    auto offset = offsetFromPageToken(pageToken);
    if (!offset)
        return offset.error();
    return readCoded(m_store, [&](SQLite::Database &db) {
        const RunRow row = loadRunRow(db, runId);
        SQLite::Statement query(db, "SELECT CASE WHEN is_nan THEN NULL ELSE value END, timestamp, "
                                    "step FROM metrics WHERE run_key = ? "
                                    "AND key = ? ORDER BY step, timestamp, value LIMIT ? OFFSET ?");
        query.bind(1, static_cast<int64_t>(row.key));
        query.bind(2, utf8(key));
        const qint64 limit = maxResults > 0 ? maxResults : std::numeric_limits<int>::max();
        query.bind(3, static_cast<int64_t>(maxResults > 0 ? limit + 1 : -1));
        query.bind(4, static_cast<int64_t>(*offset));
        Page<MetricPoint> page;
        while (query.executeStep()) {
            if (page.items.size() == limit) {
                page.nextPageToken = makePageToken(*offset + limit);
                break;
            }
            page.items.append({key, metricValue(query.getColumn(0)), query.getColumn(1).getInt64(),
                               query.getColumn(2).getInt64()});
        }
        return page;
    });
}

namespace {

// Charts read millions of points. The primary key's order is the history's order, so each key
// is one range scan.
constexpr const char *kSeriesSql = "SELECT step, timestamp, value, is_nan FROM metrics "
                                   "WHERE run_key = ?1 AND key = ?2";

MetricSeries readSeries(RawStatement &query, qint64 runKey, const QString &key)
{
    MetricSeries series;
    series.key = key;
    const std::string name = utf8(key);
    query.restart();
    query.bind(1, runKey);
    query.bindStatic(2, name);
    while (query.next()) {
        series.steps.append(query.integer(0));
        series.timestamps.append(query.integer(1));
        series.values.append(query.integer(3) ? std::numeric_limits<double>::quiet_NaN()
                                              : query.real(2));
    }
    return series;
}

// Three columns from `column` on: step, timestamp, value (NULL: NaN).
HistoryPoint historyPoint(const RawStatement &query, int column)
{
    return {query.integer(column), query.integer(column + 1),
            query.isNull(column + 2) ? std::numeric_limits<double>::quiet_NaN()
                                     : query.real(column + 2)};
}

} // namespace

Result<QList<MetricSeries>> TrackingStore::metricSeries(const QString &runId,
                                                        const QStringList &keys) const
{
    return readCoded(m_store, [&](SQLite::Database &db) {
        const RunRow row = loadRunRow(db, runId);
        RawStatement query(db, kSeriesSql);
        QList<MetricSeries> result;
        result.reserve(keys.size());
        for (const QString &key : keys)
            result.append(readSeries(query, row.key, key));
        return result;
    });
}

Result<QList<MetricOverview>> TrackingStore::metricOverviews(const QString &runId,
                                                             const QStringList &keys,
                                                             qint64 wholeUpTo) const
{
    return readCoded(m_store, [&](SQLite::Database &db) {
        const RunRow row = loadRunRow(db, runId);
        RawStatement header(db, "SELECT points, in_order FROM metric_summaries "
                                "WHERE run_key = ?1 AND key = ?2");
        RawStatement blocks(db, "SELECT points, finite_points, finite_sum, first_step, "
                                "first_timestamp, first_value, last_step, last_timestamp, "
                                "last_value, low_step, low_timestamp, low_value, high_step, "
                                "high_timestamp, high_value FROM metric_blocks "
                                "WHERE run_key = ?1 AND key = ?2 ORDER BY block");
        RawStatement points(db, kSeriesSql);
        QList<MetricOverview> result;
        result.reserve(keys.size());
        for (const QString &key : keys) {
            MetricOverview overview;
            overview.key = key;
            const std::string name = utf8(key);
            header.restart();
            header.bind(1, row.key);
            header.bindStatic(2, name);
            if (!header.next()) {
                overview.whole.key = key;
                result.append(std::move(overview));
                continue;
            }
            overview.points = header.integer(0);
            if (header.integer(1) == 0 || overview.points <= wholeUpTo) {
                overview.whole = readSeries(points, row.key, key);
                overview.points = overview.whole.values.size();
                result.append(std::move(overview));
                continue;
            }
            blocks.restart();
            blocks.bind(1, row.key);
            blocks.bindStatic(2, name);
            while (blocks.next()) {
                MetricBlock block;
                block.points = int(blocks.integer(0));
                block.finitePoints = int(blocks.integer(1));
                block.finiteSum = blocks.real(2);
                block.first = historyPoint(blocks, 3);
                block.last = historyPoint(blocks, 6);
                if (!blocks.isNull(9))
                    block.low = historyPoint(blocks, 9);
                if (!blocks.isNull(12))
                    block.high = historyPoint(blocks, 12);
                overview.blocks.append(block);
            }
            result.append(std::move(overview));
        }
        return result;
    });
}

Result<QMap<QString, MetricRange>> TrackingStore::metricRanges(const QString &runId) const
{
    return readCoded(m_store, [&](SQLite::Database &db) {
        const RunRow row = loadRunRow(db, runId);
        SQLite::Statement query(db, "SELECT key, min(value), max(value) FROM metrics "
                                    "WHERE run_key = ? AND is_nan = 0 GROUP BY key");
        query.bind(1, static_cast<int64_t>(row.key));
        QMap<QString, MetricRange> ranges;
        while (query.executeStep())
            ranges.insert(text(query.getColumn(0)),
                          {query.getColumn(1).getDouble(), query.getColumn(2).getDouble()});
        return ranges;
    });
}

Result<Page<Run>> TrackingStore::searchRuns(const QStringList &experimentIds, const QString &filter,
                                            ViewType viewType, int maxResults,
                                            const QStringList &orderBy,
                                            const QString &pageToken) const
{
    SqlFragment where{lifecycleCondition(QStringLiteral("r.lifecycle_stage"), viewType), {}};
    QStringList marks;
    for (const QString &id : experimentIds) {
        bool ok = false;
        const qint64 number = id.toLongLong(&ok);
        if (!ok)
            return fail(errorcode::kInvalidParameterValue,
                        QStringLiteral("Invalid experiment id '%1'").arg(id));
        marks.append(QStringLiteral("?"));
        where.bindings.append(number);
    }
    where.sql +=
        QStringLiteral(" AND r.experiment_id IN (%1)").arg(marks.join(QStringLiteral(", ")));
    auto plan = planSearch(runSchema(), QLatin1String(kRunColumns) + QStringLiteral("r"),
                           std::move(where), filter, orderBy,
                           QStringLiteral("r.start_time DESC, r.run_uuid"), maxResults, pageToken);
    if (!plan)
        return plan.error();
    return readCoded(m_store, [&](SQLite::Database &db) {
        // Listings read thousands of rows: through the C API, as RunDataReader does.
        const std::string sql = utf8(plan->sql);
        RawStatement query(db, sql.c_str());
        bindAll(query, plan->bindings);
        query.bind(int(plan->bindings.size()) + 1, qint64(plan->limit + 1));
        query.bind(int(plan->bindings.size()) + 2, plan->offset);
        QList<RunRow> rows;
        Page<Run> page;
        while (query.next()) {
            if (rows.size() == plan->limit) {
                page.nextPageToken = plan->nextPageToken();
                break;
            }
            rows.append(readRunRow(query.handle()));
        }
        page.items = RunDataReader(db).load(rows);
        return page;
    });
}

Result<int> TrackingStore::failInterruptedRuns()
{
    auto count = std::make_shared<int>(0);
    Result<void> written = writeChecked([count](SQLite::Database &db) {
        SQLite::Statement update(db, "UPDATE runs SET status = 'FAILED', end_time = ? "
                                     "WHERE status = 'RUNNING'");
        update.bind(1, static_cast<int64_t>(nowMs()));
        *count = update.exec();
    });
    if (!written)
        return written.error();
    if (*count > 0)
        qCInfo(lcTracking) << *count << "run(s) left RUNNING by an earlier process marked FAILED";
    return *count;
}

Result<QString> TrackingStore::runArtifactDirectory(const QString &runId) const
{
    Result<Run> found = run(runId);
    if (!found)
        return found.error();
    const QString uri = found->info.artifactUri;
    QString path;
    if (uri.startsWith(QLatin1String("mlflow-artifacts:/")))
        path = QDir(m_artifactRoot).filePath(uri.mid(int(qstrlen("mlflow-artifacts:/"))));
    else if (uri.startsWith(QLatin1String("file:")))
        path = QUrl(uri).toLocalFile();
    else
        path = uri;
    return QDir::cleanPath(path);
}

} // namespace millrace::tracking
