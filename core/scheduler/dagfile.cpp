#include "core/scheduler/dagfile.h"

#include "core/scheduler/operatorcatalog.h"
#include "core/scheduler/templating.h"
#include "plugins/api/taskoperator.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSet>

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

namespace millrace::scheduler {

namespace {

using namespace Qt::StringLiterals;

// ---------------------------------------------------------------------------------------------
// The file as a tree with positions. yaml-cpp reads both YAML and JSON and keeps every node's
// line and column; its nodes are converted once into this tree so the checks below neither deal
// with yaml-cpp's exceptions nor care whether QJsonDocument had to stand in (a valid JSON file
// yaml-cpp refuses, whose nodes then have no positions).

struct SourceNode
{
    enum class Kind { Null, Scalar, Sequence, Map };
    Kind kind = Kind::Null;
    QJsonValue value; // scalars: string, number or bool, typed as JSON or YAML 1.2 would type them
    QString text;     // scalars: the text as written
    int line = 0;     // 1-based; 0 when unknown
    int column = 0;
    std::vector<SourceNode> items;                          // sequences
    std::vector<std::pair<SourceNode, SourceNode>> entries; // maps, in file order
    bool unquotedTemplate = false; // `{{ x }}` without quotes, which YAML reads as a mapping

    bool isScalar() const { return kind == Kind::Scalar; }
    bool isMap() const { return kind == Kind::Map; }
    bool isSequence() const { return kind == Kind::Sequence; }
    bool isNull() const { return kind == Kind::Null; }
};

// What a value is, in the words of a JSON schema, for messages and type checks.
QString jsonTypeName(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        return QStringLiteral("null");
    case QJsonValue::Bool:
        return QStringLiteral("boolean");
    case QJsonValue::Double: {
        const double number = value.toDouble();
        return std::trunc(number) == number ? QStringLiteral("integer") : QStringLiteral("number");
    }
    case QJsonValue::String:
        return QStringLiteral("string");
    case QJsonValue::Array:
        return QStringLiteral("array");
    case QJsonValue::Object:
        return QStringLiteral("object");
    }
    return QString();
}

QString describeKind(const SourceNode &node)
{
    switch (node.kind) {
    case SourceNode::Kind::Null:
        return QStringLiteral("nothing");
    case SourceNode::Kind::Sequence:
        return QStringLiteral("a list");
    case SourceNode::Kind::Map:
        return QStringLiteral("a mapping");
    case SourceNode::Kind::Scalar:
        return u'"' + node.text + u'"';
    }
    return QString();
}

// A plain (unquoted) YAML scalar typed by the YAML 1.2 core schema, which JSON's literals are a
// subset of. YAML 1.1's yes/no/on/off booleans are deliberately strings: `country: no` stays
// "no". .inf and .nan stay strings too, as JSON has no such numbers.
QJsonValue resolvePlainScalar(const QString &text)
{
    static const QRegularExpression nullPattern(QStringLiteral("^(~|null|Null|NULL)?$"));
    static const QRegularExpression truePattern(QStringLiteral("^(true|True|TRUE)$"));
    static const QRegularExpression falsePattern(QStringLiteral("^(false|False|FALSE)$"));
    static const QRegularExpression intPattern(QStringLiteral("^[-+]?[0-9]+$"));
    static const QRegularExpression floatPattern(
        QStringLiteral(R"(^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$)"));

    if (nullPattern.match(text).hasMatch())
        return QJsonValue(QJsonValue::Null);
    if (truePattern.match(text).hasMatch())
        return QJsonValue(true);
    if (falsePattern.match(text).hasMatch())
        return QJsonValue(false);
    bool ok = false;
    if (intPattern.match(text).hasMatch()) {
        const qint64 integer = text.toLongLong(&ok);
        return ok ? QJsonValue(integer) : QJsonValue(text.toDouble());
    }
    if (text.startsWith(u"0x") || text.startsWith(u"0o")) {
        const qint64 integer = text.mid(2).toLongLong(&ok, text.at(1) == u'x' ? 16 : 8);
        if (ok)
            return QJsonValue(integer);
    }
    if (floatPattern.match(text).hasMatch())
        return QJsonValue(text.toDouble());
    return QJsonValue(text);
}

// yaml-cpp shares the node an alias points at; copying expands it, so a file of nested aliases
// ("billion laughs") could expand without end. Counting first, which allocates nothing, stops
// that long before time or memory run out.
constexpr int kNodeBudget = 200000;

// Counts the values under `node`, aliases expanded, until `budget` runs out (then it is < 0).
void countNodes(const YAML::Node &node, int &budget)
{
    if (--budget < 0)
        return;
    if (node.IsSequence()) {
        for (auto it = node.begin(); it != node.end() && budget >= 0; ++it)
            countNodes(*it, budget);
    } else if (node.IsMap()) {
        for (auto it = node.begin(); it != node.end() && budget >= 0; ++it) {
            countNodes(it->first, budget);
            countNodes(it->second, budget);
        }
    }
}

SourceNode fromYaml(const YAML::Node &node)
{
    SourceNode out;
    const YAML::Mark mark = node.Mark();
    if (!mark.is_null()) {
        out.line = mark.line + 1;
        out.column = mark.column + 1;
    }
    switch (node.Type()) {
    case YAML::NodeType::Scalar: {
        out.kind = SourceNode::Kind::Scalar;
        out.text = QString::fromStdString(node.Scalar());
        // "!" marks a quoted scalar: always a string, so `version: "2"` is the string "2".
        const std::string &tag = node.Tag();
        const bool isString = tag == "!" || tag == "tag:yaml.org,2002:str";
        out.value = isString ? QJsonValue(out.text) : resolvePlainScalar(out.text);
        if (out.value.isNull())
            out.kind = SourceNode::Kind::Null;
        break;
    }
    case YAML::NodeType::Sequence:
        out.kind = SourceNode::Kind::Sequence;
        for (const YAML::Node &item : node)
            out.items.push_back(fromYaml(item));
        break;
    case YAML::NodeType::Map:
        out.kind = SourceNode::Kind::Map;
        for (const auto &entry : node) {
            SourceNode key = fromYaml(entry.first);
            SourceNode value = fromYaml(entry.second);
            // An empty value's mark points at whatever follows it; its key is where it is.
            if (value.isNull() || value.line == 0) {
                value.line = key.line;
                value.column = key.column;
            }
            out.entries.emplace_back(std::move(key), std::move(value));
        }
        // `epochs: {{ conf.epochs }}` is a mapping whose one key is a mapping whose one key is
        // "conf.epochs". Taken back as the template it was meant to be, it is reported once (as
        // needing quotes) rather than as a strange key and a wrong type.
        if (out.entries.size() == 1 && out.entries[0].first.isMap()
            && out.entries[0].second.isNull() && out.entries[0].first.entries.size() == 1
            && out.entries[0].first.entries[0].first.isScalar()
            && out.entries[0].first.entries[0].second.isNull()) {
            out.text = QStringLiteral("{{ %1 }}").arg(out.entries[0].first.entries[0].first.text);
            out.value = out.text;
            out.kind = SourceNode::Kind::Scalar;
            out.entries.clear();
            out.unquotedTemplate = true;
        }
        break;
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
        break;
    }
    return out;
}

// The stand-in for JSON yaml-cpp cannot read (surrogate pairs, for one): no positions.
SourceNode fromJsonValue(const QJsonValue &value)
{
    SourceNode out;
    switch (value.type()) {
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        break;
    case QJsonValue::Bool:
    case QJsonValue::Double:
    case QJsonValue::String:
        out.kind = SourceNode::Kind::Scalar;
        out.value = value;
        out.text = value.isString() ? value.toString() : value.toVariant().toString();
        break;
    case QJsonValue::Array:
        out.kind = SourceNode::Kind::Sequence;
        for (const QJsonValue &item : value.toArray())
            out.items.push_back(fromJsonValue(item));
        break;
    case QJsonValue::Object: {
        out.kind = SourceNode::Kind::Map;
        const QJsonObject object = value.toObject();
        for (auto it = object.begin(); it != object.end(); ++it) {
            SourceNode key;
            key.kind = SourceNode::Kind::Scalar;
            key.text = it.key();
            key.value = it.key();
            out.entries.emplace_back(std::move(key), fromJsonValue(it.value()));
        }
        break;
    }
    }
    return out;
}

QJsonValue toJson(const SourceNode &node)
{
    switch (node.kind) {
    case SourceNode::Kind::Null:
        return QJsonValue(QJsonValue::Null);
    case SourceNode::Kind::Scalar:
        return node.value;
    case SourceNode::Kind::Sequence: {
        QJsonArray array;
        for (const SourceNode &item : node.items)
            array.append(toJson(item));
        return array;
    }
    case SourceNode::Kind::Map: {
        QJsonObject object;
        for (const auto &[key, value] : node.entries) {
            if (!object.contains(key.text))
                object.insert(key.text, toJson(value));
        }
        return object;
    }
    }
    return QJsonValue();
}

// Line and column (1-based) of a byte offset, for QJsonDocument's errors.
std::pair<int, int> lineAndColumn(const QByteArray &contents, qsizetype offset)
{
    offset = std::clamp<qsizetype>(offset, 0, contents.size());
    const QByteArray before = contents.left(offset);
    const qsizetype lineStart = before.lastIndexOf('\n') + 1;
    const int column = int(QString::fromUtf8(before.mid(lineStart)).size()) + 1;
    return {int(before.count('\n')) + 1, column};
}

// ---------------------------------------------------------------------------------------------
// Small helpers for messages.

int editDistance(const QString &a, const QString &b)
{
    std::vector<int> row(size_t(b.size()) + 1);
    for (size_t j = 0; j < row.size(); ++j)
        row[j] = int(j);
    for (qsizetype i = 1; i <= a.size(); ++i) {
        int diagonal = row[0];
        row[0] = int(i);
        for (qsizetype j = 1; j <= b.size(); ++j) {
            const int substitution = diagonal + (a.at(i - 1) == b.at(j - 1) ? 0 : 1);
            diagonal = row[size_t(j)];
            row[size_t(j)] = std::min({row[size_t(j)] + 1, row[size_t(j - 1)] + 1, substitution});
        }
    }
    return row.back();
}

// The candidates closest to a misspelt `word`, when within two edits (and fewer edits than the
// word has letters, so "b" suggests nothing rather than "a"); several when they tie.
QStringList closest(const QString &word, QStringList candidates)
{
    candidates.sort();
    QStringList best;
    int bestDistance = 3;
    for (const QString &candidate : candidates) {
        const int distance = editDistance(word.toLower(), candidate.toLower());
        if (distance >= word.size() || distance > bestDistance)
            continue;
        if (distance < bestDistance)
            best.clear();
        bestDistance = distance;
        best.append(candidate);
    }
    return best.size() > 3 ? QStringList() : best;
}

QString didYouMean(const QString &word, const QStringList &candidates)
{
    QStringList suggestions = closest(word, candidates);
    if (suggestions.isEmpty())
        return QString();
    for (QString &suggestion : suggestions)
        suggestion = u'"' + suggestion + u'"';
    return QStringLiteral("; did you mean %1?").arg(suggestions.join(u" or "));
}

QString quoted(const QString &text)
{
    return u'"' + text + u'"';
}

// ---------------------------------------------------------------------------------------------
// The schema.

const QStringList kTopLevelKeys{
    u"dag_id"_s,
    u"description"_s,
    u"tags"_s,
    u"schedule"_s,
    u"demo_schedule"_s,
    u"timezone"_s,
    u"start_date"_s,
    u"catchup"_s,
    u"max_active_runs"_s,
    u"paused_on_creation"_s,
    u"params"_s,
    u"triggers"_s,
    u"default_args"_s,
    u"tasks"_s,
};
const QStringList kTaskSettingKeys{
    u"retries"_s,
    u"retry_delay"_s,
    u"retry_exponential_backoff"_s,
    u"max_retry_delay"_s,
    u"execution_timeout"_s,
    u"trigger_rule"_s,
    u"pool"_s,
    u"pool_slots"_s,
};
const QStringList kTaskOwnKeys{u"id"_s, u"operator"_s, u"params"_s, u"upstream"_s};
const QStringList kTriggerKeys{u"topic"_s, u"messages"_s, u"model"_s, u"stage"_s};
// The registry's stages (core/registry's Stage, MLflow's spelling); the scheduler does not link
// the registry for four words.
const QStringList kStages{u"None"_s, u"Staging"_s, u"Production"_s, u"Archived"_s};

const QRegularExpression &dagIdPattern()
{
    static const QRegularExpression pattern(QStringLiteral("^[A-Za-z0-9_.-]{1,250}$"));
    return pattern;
}

// No dots in task ids: templates reach a task's result as {{ xcom.<task>.<key> }}.
const QRegularExpression &taskIdPattern()
{
    static const QRegularExpression pattern(QStringLiteral("^[A-Za-z0-9_-]{1,250}$"));
    return pattern;
}

// The settings default_args and tasks share; unset ones fall through to the next level.
struct TaskSettings
{
    std::optional<int> retries;
    std::optional<std::chrono::milliseconds> retryDelay;
    std::optional<bool> exponentialBackoff;
    std::optional<std::chrono::milliseconds> maxRetryDelay;
    std::optional<std::chrono::milliseconds> executionTimeout;
    std::optional<TriggerRule> triggerRule;
    std::optional<QString> pool;
    std::optional<int> poolSlots;

    void applyTo(TaskSpec &task) const
    {
        if (retries)
            task.retry.retries = *retries;
        if (retryDelay)
            task.retry.delay = *retryDelay;
        if (exponentialBackoff)
            task.retry.exponentialBackoff = *exponentialBackoff;
        if (maxRetryDelay)
            task.retry.maxDelay = *maxRetryDelay;
        if (executionTimeout)
            task.executionTimeout = *executionTimeout;
        if (triggerRule)
            task.triggerRule = *triggerRule;
        if (pool)
            task.pool = *pool;
        if (poolSlots)
            task.poolSlots = *poolSlots;
    }
};

// A task as read, before the graph checks: the spec plus where its parts are.
struct ReadTask
{
    TaskSpec spec;
    const SourceNode *idNode = nullptr;
    std::vector<const SourceNode *> upstreamNodes; // parallel to spec.upstream
    bool valid = true;                             // has a usable id
};

// A mapping's values by key, and the keys it had that the schema does not know.
struct Fields
{
    QHash<QString, const SourceNode *> byKey;
    QStringList unknown;

    const SourceNode *value(const QString &key) const { return byKey.value(key); }
    bool contains(const QString &key) const { return byKey.contains(key); }
    // True when `key` is missing because it was misspelt: that is reported already, as an
    // unknown key with a suggestion, and "missing" on top would say the same thing twice.
    bool misspelt(const QString &key) const { return !closest(key, unknown).isEmpty(); }
};

// ---------------------------------------------------------------------------------------------
// The checks. Each problem is recorded where it is and the reading goes on, so one pass over a
// file reports all its problems.

class DagReader
{
public:
    DagReader(QString path, const OperatorCatalog &operators)
        : m_path(std::move(path)), m_operators(operators)
    {
    }

    QList<DagFileError> takeErrors()
    {
        // File order reads best; the stable sort keeps problems on one line in the order found.
        std::stable_sort(m_errors.begin(), m_errors.end(),
                         [](const DagFileError &a, const DagFileError &b) {
                             return std::pair(a.line, a.column) < std::pair(b.line, b.column);
                         });
        return std::move(m_errors);
    }
    bool hasErrors() const { return !m_errors.isEmpty(); }

    void error(int line, int column, const QString &message)
    {
        m_errors.append(DagFileError{m_path, line, column, message});
    }
    void error(const SourceNode &at, const QString &message) { error(at.line, at.column, message); }

    std::optional<DagSpec> read(const SourceNode &root);

private:
    // Reports repeated keys and keys that are not strings, anywhere in the file.
    void checkKeys(const SourceNode &node);
    // A mapping's values by key (the first of duplicate keys, which checkKeys reports), and
    // an error for each key not in `allowed`.
    Fields fields(const SourceNode &map, const QStringList &allowed, const QString &where);

    std::optional<QString> readName(const SourceNode &node, const QString &key);
    std::optional<bool> readBool(const SourceNode &node, const QString &key);
    std::optional<qint64> readInteger(const SourceNode &node, const QString &key, qint64 minimum);
    std::optional<std::chrono::milliseconds> readDuration(const SourceNode &node,
                                                          const QString &key);
    std::optional<QStringList> readNameList(const SourceNode &node, const QString &key,
                                            std::vector<const SourceNode *> *itemNodes = nullptr);
    std::optional<QJsonObject> readObject(const SourceNode &node, const QString &key);
    std::optional<QDateTime> readStartDate(const SourceNode &node, const QTimeZone &zone);
    std::optional<Timetable> readSchedule(const SourceNode &node, const QString &key,
                                          const QTimeZone &zone);

    TaskSettings readSettings(const Fields &fields);
    std::optional<EventTrigger> readTrigger(const SourceNode &node);
    std::optional<QString> readStage(const SourceNode &node);
    ReadTask readTask(const SourceNode &node, const TaskSettings &defaults);
    void checkParams(const SourceNode *paramsNode, const SourceNode &taskNode,
                     const plugins::TaskOperator &op);
    void checkValue(const SourceNode &value, const QJsonObject &schema, const QString &name);
    void checkObject(const SourceNode *object, const SourceNode &anchor, const QJsonObject &schema,
                     const QString &prefix);
    std::vector<TaskSpec> sortTasks(std::vector<ReadTask> &tasks);

    QString m_path;
    const OperatorCatalog &m_operators;
    QList<DagFileError> m_errors;
};

void DagReader::checkKeys(const SourceNode &node)
{
    if (node.unquotedTemplate) {
        error(node, QStringLiteral("a template must be in quotes, \"%1\", or YAML reads it as a "
                                   "mapping")
                        .arg(node.text));
        return;
    }
    if (node.isSequence()) {
        for (const SourceNode &item : node.items)
            checkKeys(item);
        return;
    }
    if (!node.isMap())
        return;
    // yaml-cpp keeps both entries of a repeated key; the second would silently lose otherwise.
    QHash<QString, int> firstLine;
    for (const auto &[key, value] : node.entries) {
        if (!key.isScalar()) {
            error(key,
                  QStringLiteral("a key must be a plain string, not %1").arg(describeKind(key)));
        } else if (const auto seen = firstLine.constFind(key.text); seen != firstLine.cend()) {
            error(key, QStringLiteral("duplicate key %1 (first at line %2)")
                           .arg(quoted(key.text))
                           .arg(*seen));
        } else {
            firstLine.insert(key.text, key.line);
        }
        checkKeys(value);
    }
}

Fields DagReader::fields(const SourceNode &map, const QStringList &allowed, const QString &where)
{
    Fields fields;
    for (const auto &[key, value] : map.entries) {
        if (!key.isScalar() || fields.byKey.contains(key.text))
            continue;
        if (!allowed.contains(key.text)) {
            QString hint = didYouMean(key.text, allowed);
            if (hint.isEmpty())
                hint = QStringLiteral(" (known keys: %1)").arg(allowed.join(u", "));
            error(key, QStringLiteral("unknown key %1 in %2").arg(quoted(key.text), where) + hint);
            fields.unknown.append(key.text);
            continue;
        }
        fields.byKey.insert(key.text, &value);
    }
    return fields;
}

std::optional<QString> DagReader::readName(const SourceNode &node, const QString &key)
{
    // Any scalar reads as its text: `dag_id: 2024` or `stage: None` are names, not numbers.
    if (!node.isScalar() || node.text.trimmed().isEmpty()) {
        error(node, QStringLiteral("%1 must be a string, not %2").arg(key, describeKind(node)));
        return std::nullopt;
    }
    return node.text.trimmed();
}

std::optional<bool> DagReader::readBool(const SourceNode &node, const QString &key)
{
    if (!node.value.isBool()) {
        error(node,
              QStringLiteral("%1 must be true or false, not %2").arg(key, describeKind(node)));
        return std::nullopt;
    }
    return node.value.toBool();
}

std::optional<qint64> DagReader::readInteger(const SourceNode &node, const QString &key,
                                             qint64 minimum)
{
    const double number = node.value.toDouble();
    if (!node.isScalar() || !node.value.isDouble() || std::trunc(number) != number
        || std::abs(number) > 1e15) {
        error(node,
              QStringLiteral("%1 must be a whole number, not %2").arg(key, describeKind(node)));
        return std::nullopt;
    }
    const qint64 integer = node.value.toInteger(qint64(number));
    if (integer < minimum) {
        error(node,
              QStringLiteral("%1 must be at least %2, not %3").arg(key).arg(minimum).arg(integer));
        return std::nullopt;
    }
    return integer;
}

std::optional<std::chrono::milliseconds> DagReader::readDuration(const SourceNode &node,
                                                                 const QString &key)
{
    static const QRegularExpression pattern(
        QStringLiteral(R"(^\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s|m|h|d)?\s*$)"));
    const auto bad = [&] {
        error(node, QStringLiteral("%1 must be a duration such as 500ms, 30s, 5m, 2h or 1d (or a "
                                   "number of seconds), not %2")
                        .arg(key, describeKind(node)));
        return std::nullopt;
    };
    if (!node.isScalar())
        return bad();
    const auto match = pattern.match(node.text);
    if (!match.hasMatch())
        return bad();
    const QString unit = match.captured(2);
    const double perUnit = unit == u"ms"  ? 1.0
                           : unit == u"m" ? 60e3
                           : unit == u"h" ? 3600e3
                           : unit == u"d" ? 86400e3
                                          : 1e3;
    const double milliseconds = match.captured(1).toDouble() * perUnit;
    // Ten years is far beyond any wait a task means and keeps the count clear of overflow.
    if (milliseconds > 10.0 * 365 * 86400e3) {
        error(node, QStringLiteral("%1 is too long: %2").arg(key, node.text));
        return std::nullopt;
    }
    return std::chrono::milliseconds(qint64(std::llround(milliseconds)));
}

std::optional<QStringList> DagReader::readNameList(const SourceNode &node, const QString &key,
                                                   std::vector<const SourceNode *> *itemNodes)
{
    if (node.isNull())
        return QStringList();
    if (!node.isSequence()) {
        error(node, QStringLiteral("%1 must be a list such as [a, b], not %2")
                        .arg(key, describeKind(node)));
        return std::nullopt;
    }
    QStringList names;
    bool ok = true;
    for (const SourceNode &item : node.items) {
        const std::optional<QString> name = readName(item, key + u" entries"_s);
        if (!name) {
            ok = false;
            continue;
        }
        names.append(*name);
        if (itemNodes)
            itemNodes->push_back(&item);
    }
    return ok ? std::optional(names) : std::nullopt;
}

std::optional<QJsonObject> DagReader::readObject(const SourceNode &node, const QString &key)
{
    if (node.isNull())
        return QJsonObject();
    if (!node.isMap()) {
        error(node, QStringLiteral("%1 must be a mapping (key: value), not %2")
                        .arg(key, describeKind(node)));
        return std::nullopt;
    }
    return toJson(node).toObject();
}

std::optional<QDateTime> DagReader::readStartDate(const SourceNode &node, const QTimeZone &zone)
{
    // ISO 8601 as people write it in YAML: a date, or a date and time with 'T' or a space,
    // optional seconds and fraction, and an optional Z or offset. Without an offset the time is
    // a wall-clock time in the DAG's time zone.
    static const QRegularExpression pattern(QStringLiteral(
        R"(^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$)"));
    const auto bad = [&](const QString &why) {
        error(node, QStringLiteral("start_date %1 %2; write a date such as 2026-01-01 or a date "
                                   "and time such as 2026-01-01T06:00:00+01:00")
                        .arg(describeKind(node), why));
        return std::nullopt;
    };
    if (!node.isScalar())
        return bad(QStringLiteral("is not a date"));
    const auto match = pattern.match(node.text.trimmed());
    if (!match.hasMatch())
        return bad(QStringLiteral("is not a date"));
    const QDate date(match.captured(1).toInt(), match.captured(2).toInt(),
                     match.captured(3).toInt());
    const QString fraction = match.captured(7).leftJustified(3, u'0').left(3);
    const QTime time = match.hasCaptured(4)
                           ? QTime(match.captured(4).toInt(), match.captured(5).toInt(),
                                   match.captured(6).toInt(), fraction.toInt())
                           : QTime(0, 0);
    if (!date.isValid() || !time.isValid())
        return bad(QStringLiteral("does not exist"));

    QTimeZone readIn = zone;
    if (match.hasCaptured(8)) {
        const QString offset = match.captured(8);
        int seconds = 0;
        if (offset != u"Z") {
            const QString digits = QString(offset.mid(1)).remove(u':');
            seconds = digits.left(2).toInt() * 3600 + digits.mid(2).toInt() * 60;
            if (offset.startsWith(u'-'))
                seconds = -seconds;
        }
        readIn = QTimeZone(seconds);
    }
    return QDateTime(date, time, readIn).toUTC();
}

std::optional<Timetable> DagReader::readSchedule(const SourceNode &node, const QString &key,
                                                 const QTimeZone &zone)
{
    const std::optional<QString> text = readName(node, key);
    if (!text)
        return std::nullopt;
    Result<Timetable> timetable = Timetable::parse(*text, zone);
    if (!timetable) {
        // Timetable's messages name the schedule, except the cron field ones.
        const QString message = timetable.errorMessage();
        error(node, message.contains(quoted(*text))
                        ? message
                        : QStringLiteral("bad %1 %2: %3").arg(key, quoted(*text), message));
        return std::nullopt;
    }
    return *timetable;
}

TaskSettings DagReader::readSettings(const Fields &fields)
{
    TaskSettings settings;
    if (const SourceNode *node = fields.value(u"retries"_s)) {
        if (const auto value = readInteger(*node, u"retries"_s, 0))
            settings.retries = int(std::min<qint64>(*value, 1000000));
    }
    if (const SourceNode *node = fields.value(u"retry_delay"_s))
        settings.retryDelay = readDuration(*node, u"retry_delay"_s);
    if (const SourceNode *node = fields.value(u"retry_exponential_backoff"_s))
        settings.exponentialBackoff = readBool(*node, u"retry_exponential_backoff"_s);
    if (const SourceNode *node = fields.value(u"max_retry_delay"_s))
        settings.maxRetryDelay = readDuration(*node, u"max_retry_delay"_s);
    if (const SourceNode *node = fields.value(u"execution_timeout"_s)) {
        settings.executionTimeout = readDuration(*node, u"execution_timeout"_s);
        // A zero timeout would fail every try at once; it is a slip, not a wish.
        if (settings.executionTimeout && settings.executionTimeout->count() == 0) {
            error(*node, QStringLiteral("execution_timeout must be longer than 0"));
            settings.executionTimeout.reset();
        }
    }
    if (const SourceNode *node = fields.value(u"trigger_rule"_s)) {
        if (const auto name = readName(*node, u"trigger_rule"_s)) {
            settings.triggerRule = triggerRuleFromString(*name);
            if (!settings.triggerRule) {
                QStringList rules;
                for (const TriggerRule rule :
                     {TriggerRule::AllSuccess, TriggerRule::AllDone, TriggerRule::AllFailed,
                      TriggerRule::OneSuccess, TriggerRule::OneFailed, TriggerRule::NoneFailed,
                      TriggerRule::Always})
                    rules.append(toString(rule));
                error(*node, QStringLiteral("unknown trigger rule %1%2 (known rules: %3)")
                                 .arg(quoted(*name), didYouMean(*name, rules), rules.join(u", ")));
            }
        }
    }
    if (const SourceNode *node = fields.value(u"pool"_s))
        settings.pool = readName(*node, u"pool"_s);
    if (const SourceNode *node = fields.value(u"pool_slots"_s)) {
        if (const auto value = readInteger(*node, u"pool_slots"_s, 1))
            settings.poolSlots = int(std::min<qint64>(*value, 1000000));
    }
    return settings;
}

std::optional<EventTrigger> DagReader::readTrigger(const SourceNode &node)
{
    if (!node.isMap()) {
        error(node, QStringLiteral("a trigger must be a mapping such as {topic: t, messages: 500} "
                                   "or {model: m, stage: Production}, not %1")
                        .arg(describeKind(node)));
        return std::nullopt;
    }
    const auto f = fields(node, kTriggerKeys, QStringLiteral("a trigger"));
    EventTrigger trigger;
    trigger.line = node.line;
    const bool byTopic = f.contains(u"topic"_s) || f.contains(u"messages"_s);
    const bool byModel = f.contains(u"model"_s) || f.contains(u"stage"_s);
    // With neither kind's keys but unknown ones, the unknown keys are the problem to report.
    if (byTopic == byModel && (byTopic || f.unknown.isEmpty())) {
        error(node, byTopic ? QStringLiteral("a trigger has either topic and messages or model "
                                             "and stage, not both")
                            : QStringLiteral("a trigger needs topic and messages, or model and "
                                             "stage"));
        return std::nullopt;
    }
    // Both parts are read even when one is wrong, so all of a trigger's problems are reported.
    const auto part = [&](const QString &key) -> const SourceNode * {
        const SourceNode *value = f.value(key);
        if (!value && !f.misspelt(key))
            error(node, QStringLiteral("this trigger needs %1").arg(key));
        return value;
    };
    if (byTopic) {
        trigger.kind = EventTrigger::Kind::TopicMessages;
        const SourceNode *topic = part(u"topic"_s);
        const SourceNode *messages = part(u"messages"_s);
        const auto name = topic ? readName(*topic, u"topic"_s) : std::nullopt;
        const auto count = messages ? readInteger(*messages, u"messages"_s, 1) : std::nullopt;
        if (!name || !count)
            return std::nullopt;
        trigger.topic = *name;
        trigger.messages = *count;
        return trigger;
    }
    trigger.kind = EventTrigger::Kind::ModelStage;
    const SourceNode *model = part(u"model"_s);
    const SourceNode *stage = part(u"stage"_s);
    const auto name = model ? readName(*model, u"model"_s) : std::nullopt;
    const auto stageName = stage ? readStage(*stage) : std::nullopt;
    if (!name || !stageName)
        return std::nullopt;
    trigger.model = *name;
    trigger.stage = *stageName;
    return trigger;
}

std::optional<QString> DagReader::readStage(const SourceNode &node)
{
    const std::optional<QString> name = readName(node, u"stage"_s);
    if (!name)
        return std::nullopt;
    // Read case-insensitively and given the registry's spelling, as the registry reads stages.
    for (const QString &stage : kStages) {
        if (stage.compare(*name, Qt::CaseInsensitive) == 0)
            return stage;
    }
    error(node, QStringLiteral("unknown stage %1%2 (stages: %3)")
                    .arg(quoted(*name), didYouMean(*name, kStages), kStages.join(u", ")));
    return std::nullopt;
}

void DagReader::checkValue(const SourceNode &value, const QJsonObject &schema, const QString &name)
{
    // A template is only rendered per try; whatever it becomes is checked by the operator then.
    if (value.isScalar() && value.value.isString() && hasTemplate(value.text))
        return;

    const QJsonValue json = toJson(value);
    const QString actual = jsonTypeName(json);
    const QJsonValue type = schema.value(u"type");
    QStringList types;
    if (type.isString())
        types.append(type.toString());
    for (const QJsonValue &item : type.toArray())
        types.append(item.toString());
    const bool typeOk = types.isEmpty() || types.contains(actual)
                        || (actual == u"integer" && types.contains(u"number"_s));
    if (!typeOk) {
        error(value, QStringLiteral("param %1 must be %2, not %3 (%4)")
                         .arg(quoted(name), types.join(u" or "), actual, describeKind(value)));
        return;
    }
    if (schema.contains(u"enum")) {
        const QJsonArray allowed = schema.value(u"enum").toArray();
        if (!allowed.contains(json)) {
            QStringList texts;
            for (const QJsonValue &item : allowed) {
                texts.append(
                    item.isString()
                        ? item.toString()
                        : QString::fromUtf8(
                              QJsonDocument(QJsonArray{item}).toJson(QJsonDocument::Compact))
                              .mid(1)
                              .chopped(1));
            }
            error(value, QStringLiteral("param %1 must be one of %2, not %3")
                             .arg(quoted(name), texts.join(u", "), describeKind(value)));
            return;
        }
    }
    if (json.isDouble()) {
        const double number = json.toDouble();
        if (schema.value(u"minimum").isDouble() && number < schema.value(u"minimum").toDouble()) {
            error(value, QStringLiteral("param %1 must be at least %2, not %3")
                             .arg(quoted(name))
                             .arg(schema.value(u"minimum").toDouble())
                             .arg(number));
        }
        if (schema.value(u"maximum").isDouble() && number > schema.value(u"maximum").toDouble()) {
            error(value, QStringLiteral("param %1 must be at most %2, not %3")
                             .arg(quoted(name))
                             .arg(schema.value(u"maximum").toDouble())
                             .arg(number));
        }
    }
    if (value.isMap())
        checkObject(&value, value, schema, name + u'.');
    if (value.isSequence() && schema.value(u"items").isObject()) {
        const QJsonObject itemSchema = schema.value(u"items").toObject();
        for (size_t i = 0; i < value.items.size(); ++i)
            checkValue(value.items[i], itemSchema, QStringLiteral("%1[%2]").arg(name).arg(i));
    }
}

void DagReader::checkObject(const SourceNode *object, const SourceNode &anchor,
                            const QJsonObject &schema, const QString &prefix)
{
    const QJsonObject properties = schema.value(u"properties").toObject();
    const QJsonValue additional = schema.value(u"additionalProperties");
    QSet<QString> present;
    QStringList unknown;
    if (object) {
        for (const auto &[key, value] : object->entries) {
            if (!key.isScalar() || present.contains(key.text))
                continue;
            present.insert(key.text);
            if (properties.contains(key.text)) {
                checkValue(value, properties.value(key.text).toObject(), prefix + key.text);
            } else if (additional.isBool() && !additional.toBool()) {
                QString hint = didYouMean(key.text, properties.keys());
                if (hint.isEmpty()) {
                    hint = properties.isEmpty() ? QStringLiteral(" (this operator takes no params)")
                                                : QStringLiteral(" (known params: %1)")
                                                      .arg(properties.keys().join(u", "));
                }
                error(key,
                      QStringLiteral("unknown param %1").arg(quoted(prefix + key.text)) + hint);
                unknown.append(key.text);
            } else if (additional.isObject()) {
                checkValue(value, additional.toObject(), prefix + key.text);
            }
        }
    }
    for (const QJsonValue &required : schema.value(u"required").toArray()) {
        // A misspelt required param is reported once, as unknown with a suggestion.
        if (!present.contains(required.toString())
            && closest(required.toString(), unknown).isEmpty()) {
            error(anchor, QStringLiteral("missing required param %1")
                              .arg(quoted(prefix + required.toString())));
        }
    }
}

void DagReader::checkParams(const SourceNode *paramsNode, const SourceNode &taskNode,
                            const plugins::TaskOperator &op)
{
    // Params that are not a mapping are reported already; their keys cannot be checked.
    if (paramsNode && !paramsNode->isNull() && !paramsNode->isMap())
        return;
    const QJsonObject schema = op.parameterSchema();
    if (schema.isEmpty())
        return;
    const bool given = paramsNode && paramsNode->isMap();
    checkObject(given ? paramsNode : nullptr, given ? *paramsNode : taskNode, schema, QString());
}

ReadTask DagReader::readTask(const SourceNode &node, const TaskSettings &defaults)
{
    ReadTask read;
    read.spec.line = node.line;
    if (!node.isMap()) {
        error(node, QStringLiteral("a task must be a mapping with id and operator, not %1")
                        .arg(describeKind(node)));
        read.valid = false;
        return read;
    }
    QStringList allowed = kTaskOwnKeys;
    allowed.append(kTaskSettingKeys);
    const auto f = fields(node, allowed, QStringLiteral("a task"));

    if (const SourceNode *id = f.value(u"id"_s)) {
        read.idNode = id;
        if (const auto name = readName(*id, u"id"_s)) {
            read.spec.id = *name;
            if (!taskIdPattern().match(*name).hasMatch()) {
                error(*id, QStringLiteral("task id %1 may only hold letters, digits, '_' and '-'")
                               .arg(quoted(*name)));
            }
        } else {
            read.valid = false;
        }
    } else {
        if (!f.misspelt(u"id"_s))
            error(node, QStringLiteral("this task has no id"));
        read.valid = false;
    }

    defaults.applyTo(read.spec);
    readSettings(f).applyTo(read.spec);

    const SourceNode *params = f.value(u"params"_s);
    if (params) {
        if (const auto object = readObject(*params, u"params"_s))
            read.spec.params = *object;
    }
    if (const SourceNode *upstream = f.value(u"upstream"_s)) {
        if (const auto names = readNameList(*upstream, u"upstream"_s, &read.upstreamNodes))
            read.spec.upstream = *names;
        else
            read.upstreamNodes.clear();
    }

    const SourceNode *operatorNode = f.value(u"operator"_s);
    if (!operatorNode) {
        if (!f.misspelt(u"operator"_s))
            error(node, QStringLiteral("task %1 has no operator").arg(quoted(read.spec.id)));
        return read;
    }
    const auto operatorId = readName(*operatorNode, u"operator"_s);
    if (!operatorId)
        return read;
    read.spec.operatorId = *operatorId;
    plugins::TaskOperator *op = m_operators.find(*operatorId);
    if (!op) {
        const QStringList known = m_operators.ids();
        error(*operatorNode,
              QStringLiteral("unknown operator %1%2 (known operators: %3)")
                  .arg(quoted(*operatorId), didYouMean(*operatorId, known),
                       known.isEmpty() ? QStringLiteral("none") : known.join(u", ")));
        return read;
    }
    checkParams(params, node, *op);
    return read;
}

std::vector<TaskSpec> DagReader::sortTasks(std::vector<ReadTask> &tasks)
{
    // Index the tasks by id; a repeated id is an error and the later task leaves the graph.
    QHash<QString, size_t> byId;
    std::vector<size_t> members; // indexes into `tasks` of the tasks in the graph
    for (size_t i = 0; i < tasks.size(); ++i) {
        ReadTask &task = tasks[i];
        if (!task.valid)
            continue;
        if (const auto first = byId.constFind(task.spec.id); first != byId.cend()) {
            error(*task.idNode, QStringLiteral("duplicate task id %1 (first at line %2)")
                                    .arg(quoted(task.spec.id))
                                    .arg(tasks[*first].spec.line));
            task.valid = false;
            continue;
        }
        byId.insert(task.spec.id, i);
        members.push_back(i);
    }

    // Edges, upstream -> downstream, after dropping self-references and unknown names.
    std::map<size_t, std::vector<size_t>> upstreamOf;
    std::map<size_t, std::vector<size_t>> downstreamOf;
    for (const size_t i : members) {
        ReadTask &task = tasks[i];
        QStringList kept;
        for (qsizetype u = 0; u < task.spec.upstream.size(); ++u) {
            const QString &name = task.spec.upstream.at(u);
            const SourceNode &at = *task.upstreamNodes[size_t(u)];
            if (name == task.spec.id) {
                error(at, QStringLiteral("task %1 lists itself as upstream").arg(quoted(name)));
            } else if (!byId.contains(name)) {
                error(at, QStringLiteral("unknown upstream task %1%2")
                              .arg(quoted(name), didYouMean(name, byId.keys())));
            } else if (!kept.contains(name)) {
                kept.append(name);
                upstreamOf[i].push_back(byId.value(name));
                downstreamOf[byId.value(name)].push_back(i);
            }
        }
        task.spec.upstream = kept;
    }

    // Kahn's algorithm, always taking the ready task that comes first in the file, so the order
    // is stable. When tasks are left, they are on a cycle or downstream of one: walking upstream
    // from the first of them must come back to a task already seen, which closes a cycle. The
    // cycle is reported, its tasks leave the graph, and the sort goes on to find further cycles.
    std::vector<TaskSpec> sorted;
    std::set<size_t> remaining(members.begin(), members.end());
    while (!remaining.empty()) {
        std::map<size_t, int> waitingFor;
        std::set<size_t> ready;
        for (const size_t i : remaining) {
            int count = 0;
            for (const size_t u : upstreamOf[i])
                count += remaining.contains(u) ? 1 : 0;
            waitingFor[i] = count;
            if (count == 0)
                ready.insert(i);
        }
        while (!ready.empty()) {
            const size_t next = *ready.begin();
            ready.erase(ready.begin());
            remaining.erase(next);
            sorted.push_back(tasks[next].spec);
            for (const size_t d : downstreamOf[next]) {
                if (remaining.contains(d) && --waitingFor[d] == 0)
                    ready.insert(d);
            }
        }
        if (remaining.empty())
            break;

        std::vector<size_t> walk{*remaining.begin()};
        std::map<size_t, size_t> seenAt{{walk.front(), 0}};
        while (true) {
            const auto &ups = upstreamOf[walk.back()];
            const auto up = std::find_if(ups.begin(), ups.end(),
                                         [&](size_t u) { return remaining.contains(u); });
            if (up == ups.end()) { // cannot happen: a left task waits for another left task
                remaining.erase(walk.back());
                break;
            }
            if (const auto seen = seenAt.find(*up); seen != seenAt.end()) {
                std::vector<size_t> cycle(walk.begin() + qsizetype(seen->second), walk.end());
                // The walk went upstream; the message reads downstream, from the first task in
                // the file.
                std::reverse(cycle.begin(), cycle.end());
                std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()),
                            cycle.end());
                QStringList names;
                for (const size_t c : cycle)
                    names.append(tasks[c].spec.id);
                names.append(tasks[cycle.front()].spec.id);
                // Located at the first task's upstream entry that closes the cycle.
                const ReadTask &first = tasks[cycle.front()];
                const QString closing = tasks[cycle.back()].spec.id;
                const SourceNode *at = first.idNode;
                for (size_t u = 0; u < first.upstreamNodes.size(); ++u) {
                    if (first.upstreamNodes[u]->text.trimmed() == closing)
                        at = first.upstreamNodes[u];
                }
                error(*at, QStringLiteral("dependency cycle: %1").arg(names.join(u" -> ")));
                for (const size_t c : cycle)
                    remaining.erase(c);
                break;
            }
            seenAt.emplace(*up, walk.size());
            walk.push_back(*up);
        }
    }
    return sorted;
}

std::optional<DagSpec> DagReader::read(const SourceNode &root)
{
    if (!root.isMap()) {
        error(root, QStringLiteral("a DAG file must be a mapping with keys such as dag_id, "
                                   "schedule and tasks, not %1")
                        .arg(describeKind(root)));
        return std::nullopt;
    }
    checkKeys(root);
    const auto f = fields(root, kTopLevelKeys, QStringLiteral("the DAG"));
    DagSpec dag;
    dag.file = m_path;

    if (const SourceNode *node = f.value(u"dag_id"_s)) {
        if (const auto id = readName(*node, u"dag_id"_s)) {
            dag.id = *id;
            if (!dagIdPattern().match(*id).hasMatch()) {
                error(*node, QStringLiteral("dag_id %1 may only hold letters, digits, '_', '.' "
                                            "and '-'")
                                 .arg(quoted(*id)));
            }
        }
    } else {
        dag.id = QFileInfo(m_path).completeBaseName();
        if (!dagIdPattern().match(dag.id).hasMatch()) {
            error(0, 0,
                  QStringLiteral("the file name %1 is no valid dag id (letters, digits, '_', "
                                 "'.' and '-'); set dag_id or rename the file")
                      .arg(quoted(dag.id)));
        }
    }
    if (const SourceNode *node = f.value(u"description"_s); node && !node->isNull()) {
        if (node->isScalar())
            dag.description = node->text.trimmed();
        else
            error(*node,
                  QStringLiteral("description must be text, not %1").arg(describeKind(*node)));
    }
    if (const SourceNode *node = f.value(u"tags"_s))
        dag.tags = readNameList(*node, u"tags"_s).value_or(QStringList());

    if (const SourceNode *node = f.value(u"timezone"_s)) {
        if (const auto name = readName(*node, u"timezone"_s)) {
            const QTimeZone zone(name->toUtf8());
            if (zone.isValid()) {
                dag.timezone = zone;
            } else {
                QStringList known;
                for (const QByteArray &id : QTimeZone::availableTimeZoneIds())
                    known.append(QString::fromUtf8(id));
                error(*node, QStringLiteral("unknown time zone %1%2; use an IANA name such as "
                                            "Europe/Berlin or UTC")
                                 .arg(quoted(*name), didYouMean(*name, known)));
            }
        }
    }

    // Absent or null: manual and event runs only, as in Airflow 3.
    bool schedulesKnown = true;
    if (const SourceNode *node = f.value(u"schedule"_s); node && !node->isNull()) {
        const std::optional<Timetable> schedule = readSchedule(*node, u"schedule"_s, dag.timezone);
        schedulesKnown = schedule.has_value();
        dag.schedule = schedule.value_or(Timetable());
    }
    if (const SourceNode *node = f.value(u"demo_schedule"_s); node && !node->isNull()) {
        dag.demoSchedule = readSchedule(*node, u"demo_schedule"_s, dag.timezone);
        schedulesKnown = schedulesKnown && dag.demoSchedule.has_value();
    }

    if (const SourceNode *node = f.value(u"start_date"_s)) {
        if (const auto start = readStartDate(*node, dag.timezone))
            dag.startDate = *start;
    } else if (schedulesKnown && !f.misspelt(u"start_date"_s)) {
        // Interval and cron timetables count from the start date, whichever of the two applies.
        for (const QString &key : {u"schedule"_s, u"demo_schedule"_s}) {
            const Timetable &timetable =
                key == u"schedule" ? dag.schedule : dag.demoSchedule.value_or(Timetable());
            if (timetable.kind() != Timetable::Kind::Manual) {
                error(*f.value(key), QStringLiteral("a scheduled DAG needs a start_date (%1 %2)")
                                         .arg(key, quoted(timetable.text())));
                break;
            }
        }
    }

    if (const SourceNode *node = f.value(u"catchup"_s))
        dag.catchup = readBool(*node, u"catchup"_s).value_or(false);
    if (const SourceNode *node = f.value(u"max_active_runs"_s))
        dag.maxActiveRuns =
            int(std::min<qint64>(readInteger(*node, u"max_active_runs"_s, 1).value_or(1), 1000000));
    if (const SourceNode *node = f.value(u"paused_on_creation"_s))
        dag.pausedOnCreation = readBool(*node, u"paused_on_creation"_s).value_or(false);
    if (const SourceNode *node = f.value(u"params"_s))
        dag.defaultConfig = readObject(*node, u"params"_s).value_or(QJsonObject());

    if (const SourceNode *node = f.value(u"triggers"_s); node && !node->isNull()) {
        if (!node->isSequence()) {
            error(*node,
                  QStringLiteral("triggers must be a list, not %1").arg(describeKind(*node)));
        } else {
            for (const SourceNode &item : node->items) {
                if (auto trigger = readTrigger(item))
                    dag.triggers.append(*trigger);
            }
        }
    }

    TaskSettings defaults;
    if (const SourceNode *node = f.value(u"default_args"_s); node && !node->isNull()) {
        if (!node->isMap()) {
            error(
                *node,
                QStringLiteral("default_args must be a mapping, not %1").arg(describeKind(*node)));
        } else {
            defaults =
                readSettings(fields(*node, kTaskSettingKeys, QStringLiteral("default_args")));
        }
    }

    const SourceNode *tasksNode = f.value(u"tasks"_s);
    if (!tasksNode && f.misspelt(u"tasks"_s)) {
        // Reported as an unknown key with a suggestion.
    } else if (!tasksNode) {
        error(0, 0, QStringLiteral("the DAG has no tasks (add a tasks: list)"));
    } else if (!tasksNode->isSequence() || tasksNode->items.empty()) {
        error(*tasksNode, QStringLiteral("tasks must be a list of at least one task, not %1")
                              .arg(describeKind(*tasksNode)));
    } else {
        std::vector<ReadTask> tasks;
        for (const SourceNode &item : tasksNode->items)
            tasks.push_back(readTask(item, defaults));
        dag.tasks = sortTasks(tasks);
    }

    if (hasErrors())
        return std::nullopt;
    return dag;
}

// Where a parse error is, with a hint for the two YAML slips a DAG file invites: a schedule
// starting with '@' or '*' must be quoted.
DagFileError yamlError(const QString &path, const QByteArray &contents,
                       const YAML::Exception &exception)
{
    DagFileError error{path, 0, 0, QString::fromStdString(exception.msg)};
    if (!exception.mark.is_null()) {
        error.line = exception.mark.line + 1;
        error.column = exception.mark.column + 1;
        const qsizetype pos = exception.mark.pos;
        const char at = pos >= 0 && pos < contents.size() ? contents.at(pos) : '\0';
        if (at == '@' || at == '*' || at == '`') {
            error.message += QStringLiteral(" (a value starting with %1 must be quoted, e.g. "
                                            "schedule: \"@daily\" or \"*/5 * * * *\")")
                                 .arg(QChar::fromLatin1(at));
        }
    }
    if (error.message.isEmpty())
        error.message = QStringLiteral("not valid YAML");
    return error;
}

} // namespace

DagFileResult parseDagFile(const QString &path, const QByteArray &contents,
                           const OperatorCatalog &operators)
{
    DagFileResult result;
    const bool isJson = path.endsWith(u".json", Qt::CaseInsensitive);

    // JSON files are held to JSON: YAML's leniencies (comments, trailing commas) in a .json file
    // would make it unreadable to every other tool.
    QJsonDocument jsonDocument;
    if (isJson) {
        QJsonParseError jsonError;
        jsonDocument = QJsonDocument::fromJson(contents, &jsonError);
        if (jsonError.error != QJsonParseError::NoError) {
            // Qt's offset is mostly one past the character at fault.
            const qsizetype at = jsonError.error == QJsonParseError::GarbageAtEnd
                                     ? jsonError.offset
                                     : jsonError.offset - 1;
            const auto [line, column] = lineAndColumn(contents, at);
            result.errors.append(DagFileError{path, line, column, jsonError.errorString()});
            return result;
        }
    }

    SourceNode root;
    try {
        const std::vector<YAML::Node> documents = YAML::LoadAll(contents.toStdString());
        if (documents.size() > 1) {
            const YAML::Mark mark = documents[1].Mark();
            result.errors.append(DagFileError{
                path, mark.is_null() ? 0 : mark.line + 1, mark.is_null() ? 0 : mark.column + 1,
                QStringLiteral("a DAG file holds one YAML document; this starts another (is a "
                               "line's indentation off?)")});
            return result;
        }
        int budget = kNodeBudget;
        if (!documents.empty())
            countNodes(documents.front(), budget);
        if (budget < 0) {
            result.errors.append(
                DagFileError{path, 0, 0,
                             QStringLiteral("the file expands to more than %1 values (aliases?)")
                                 .arg(kNodeBudget)});
            return result;
        }
        if (!documents.empty())
            root = fromYaml(documents.front());
    } catch (const YAML::Exception &exception) {
        if (!isJson) {
            result.errors.append(yamlError(path, contents, exception));
            return result;
        }
        // Valid JSON yaml-cpp cannot read: the checks go on without line numbers.
        root = jsonDocument.isObject() ? fromJsonValue(jsonDocument.object())
                                       : fromJsonValue(jsonDocument.array());
    } catch (const std::exception &exception) {
        result.errors.append(DagFileError{path, 0, 0, QString::fromLocal8Bit(exception.what())});
        return result;
    }
    DagReader reader(path, operators);
    std::optional<DagSpec> dag = reader.read(root);
    result.errors = reader.takeErrors();
    if (dag) {
        dag->fingerprint = QCryptographicHash::hash(contents, QCryptographicHash::Sha256);
        result.dag = std::move(dag);
    }
    return result;
}

DagFileResult loadDagFile(const QString &path, const OperatorCatalog &operators)
{
    const QString absolute = QFileInfo(path).absoluteFilePath();
    QFile file(absolute);
    if (!file.open(QIODevice::ReadOnly)) {
        DagFileResult result;
        result.errors.append(DagFileError{
            absolute, 0, 0, QStringLiteral("cannot read: %1").arg(file.errorString())});
        return result;
    }
    return parseDagFile(absolute, file.readAll(), operators);
}

} // namespace millrace::scheduler
