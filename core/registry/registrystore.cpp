#include "core/registry/registrystore.h"

#include "core/registry/registryfiles.h"
#include "core/registry/registrylog.h"
#include "core/store/codedaccess.h"
#include "core/store/store.h"
#include "core/tracking/searchfilter.h"
#include "core/tracking/trackingstore.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QMap>
#include <QRegularExpression>
#include <QUrl>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <functional>
#include <memory>

namespace millrace::registry {

namespace {

using tracking::Comparison;
using tracking::Entity;
using tracking::FilterNode;
using tracking::OrderTerm;

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
    if (column.isNull())
        return QString();
    return QString::fromUtf8(column.getText(), column.getBytes());
}

void bindText(SQLite::Statement &statement, int index, const QString &value)
{
    statement.bind(index, utf8(value));
}

// NULL for an empty string, as MLflow leaves unset descriptions and users unset.
void bindOptional(SQLite::Statement &statement, int index, const QString &value)
{
    if (value.isEmpty())
        statement.bind(index);
    else
        statement.bind(index, utf8(value));
}

// ---- validation, with MLflow's messages ------------------------------------------------------

QString missingValue(const QString &name)
{
    return QStringLiteral("Missing value for required parameter '%1'. See the API docs for more "
                          "information about request parameters.")
        .arg(name);
}

Result<void> checkModelName(const QString &name, const QString &parameter = QStringLiteral("name"))
{
    if (name.trimmed().isEmpty())
        return fail(errorcode::kInvalidParameterValue, missingValue(parameter));
    if (name.contains(QLatin1Char('/')) || name.contains(QLatin1Char(':')))
        return fail(
            errorcode::kInvalidParameterValue,
            QStringLiteral("Invalid model name '%1'. Names cannot contain '/' or ':'.").arg(name));
    if (name == QLatin1String(".") || name == QLatin1String(".."))
        return fail(errorcode::kInvalidParameterValue,
                    QStringLiteral("Invalid value '%1' for parameter '%2' supplied: names may be "
                                   "treated as files and must not resolve to other names")
                        .arg(name, parameter));
    return {};
}

Result<void> checkAlias(const QString &alias, bool forSetting)
{
    static const QRegularExpression allowed(QStringLiteral("^[\\w\\-]*$"),
                                            QRegularExpression::UseUnicodePropertiesOption);
    static const QRegularExpression versionLike(QStringLiteral("^[vV]\\d+$"));
    if (alias.isEmpty())
        return fail(errorcode::kInvalidParameterValue,
                    QStringLiteral("Registered model alias name cannot be empty."));
    if (!allowed.match(alias).hasMatch())
        return fail(errorcode::kInvalidParameterValue,
                    QStringLiteral("Invalid alias name: '%1'. Names may only contain "
                                   "alphanumerics, underscores (_), and dashes (-).")
                        .arg(alias));
    if (alias.size() > 255)
        return fail(errorcode::kInvalidParameterValue,
                    QStringLiteral("Registered model alias name '%1' exceeds the maximum length "
                                   "of 255 characters")
                        .arg(alias));
    if (forSetting && alias.compare(QLatin1String("latest"), Qt::CaseInsensitive) == 0)
        return fail(errorcode::kInvalidParameterValue,
                    QStringLiteral("'latest' alias name (case insensitive) is reserved."));
    if (forSetting && versionLike.match(alias).hasMatch())
        return fail(errorcode::kInvalidParameterValue,
                    QStringLiteral("Version alias name '%1' is reserved.").arg(alias));
    return {};
}

Result<void> checkTagKey(const QString &key)
{
    if (key.isEmpty())
        return fail(errorcode::kInvalidParameterValue, missingValue(QStringLiteral("key")));
    if (key.size() > 250)
        return fail(errorcode::kInvalidParameterValue,
                    QStringLiteral("Tag key '%1' exceeds the maximum length of 250 characters")
                        .arg(key.left(40)));
    return {};
}

[[noreturn]] void modelNotFound(const QString &name)
{
    raiseCoded(errorcode::kResourceDoesNotExist,
               QStringLiteral("Registered Model with name=%1 not found").arg(name));
}

[[noreturn]] void versionNotFound(const QString &name, qint64 version)
{
    raiseCoded(
        errorcode::kResourceDoesNotExist,
        QStringLiteral("Model Version (name=%1, version=%2) not found").arg(name).arg(version));
}

VersionStatus statusFromString(const QString &status)
{
    if (status == QLatin1String("READY"))
        return VersionStatus::Ready;
    if (status == QLatin1String("FAILED_REGISTRATION"))
        return VersionStatus::Failed;
    return VersionStatus::Pending;
}

// ---- reading rows ------------------------------------------------------------------------

qint64 modelIdOf(SQLite::Database &db, const QString &name)
{
    SQLite::Statement query(db, "SELECT model_id FROM registered_models WHERE name = ?");
    bindText(query, 1, name);
    if (!query.executeStep())
        modelNotFound(name);
    return query.getColumn(0).getInt64();
}

constexpr const char *kVersionColumns =
    "SELECT v.model_id, m.name, v.version, v.creation_time, v.last_updated_time, v.user_id, "
    "v.description, v.source, v.run_id, v.run_link, v.current_stage, v.status, "
    "v.status_message, v.storage_path FROM model_versions v "
    "JOIN registered_models m ON m.model_id = v.model_id WHERE v.deleted = 0 ";

struct VersionRow
{
    qint64 modelId = 0;
    ModelVersion version;
};

VersionRow readVersionRow(SQLite::Statement &row, const QString &modelsRoot)
{
    VersionRow result;
    result.modelId = row.getColumn(0).getInt64();
    ModelVersion &v = result.version;
    v.name = text(row.getColumn(1));
    v.version = row.getColumn(2).getInt64();
    v.creationTime = row.getColumn(3).getInt64();
    v.lastUpdatedTime = row.getColumn(4).getInt64();
    v.userId = text(row.getColumn(5));
    v.description = text(row.getColumn(6));
    v.source = text(row.getColumn(7));
    v.runId = text(row.getColumn(8));
    v.runLink = text(row.getColumn(9));
    v.stage = stageFromString(text(row.getColumn(10))).value_or(Stage::None);
    v.status = statusFromString(text(row.getColumn(11)));
    v.statusMessage = text(row.getColumn(12));
    const QString storage = text(row.getColumn(13));
    if (v.status == VersionStatus::Ready && !storage.isEmpty())
        v.directory = QDir(modelsRoot).filePath(storage);
    return result;
}

// Tags and aliases of the versions in `rows`, read with one query each.
void fillVersionDetails(SQLite::Database &db, QList<VersionRow> &rows)
{
    if (rows.isEmpty())
        return;
    QMap<QPair<qint64, qint64>, qsizetype> index;
    QSet<qint64> models;
    for (qsizetype i = 0; i < rows.size(); ++i) {
        index.insert({rows[i].modelId, rows[i].version.version}, i);
        models.insert(rows[i].modelId);
    }
    const bool one = models.size() == 1;
    SQLite::Statement tags(db, one ? "SELECT model_id, version, key, value FROM "
                                     "model_version_tags WHERE model_id = ? ORDER BY key"
                                   : "SELECT model_id, version, key, value FROM "
                                     "model_version_tags ORDER BY key");
    if (one)
        tags.bind(1, static_cast<int64_t>(*models.begin()));
    while (tags.executeStep()) {
        const auto found =
            index.constFind({tags.getColumn(0).getInt64(), tags.getColumn(1).getInt64()});
        if (found != index.constEnd())
            rows[*found].version.tags.insert(text(tags.getColumn(2)), text(tags.getColumn(3)));
    }
    SQLite::Statement aliases(db, one ? "SELECT model_id, version, alias FROM model_aliases "
                                        "WHERE model_id = ? ORDER BY alias"
                                      : "SELECT model_id, version, alias FROM model_aliases "
                                        "ORDER BY alias");
    if (one)
        aliases.bind(1, static_cast<int64_t>(*models.begin()));
    while (aliases.executeStep()) {
        const auto found =
            index.constFind({aliases.getColumn(0).getInt64(), aliases.getColumn(1).getInt64()});
        if (found != index.constEnd())
            rows[*found].version.aliases.append(text(aliases.getColumn(2)));
    }
}

QList<VersionRow> readVersions(SQLite::Database &db, const QString &modelsRoot,
                               const char *condition = "",
                               const std::function<void(SQLite::Statement &)> &bind = {})
{
    SQLite::Statement query(db, std::string(kVersionColumns) + condition);
    if (bind)
        bind(query);
    QList<VersionRow> rows;
    while (query.executeStep())
        rows.append(readVersionRow(query, modelsRoot));
    fillVersionDetails(db, rows);
    return rows;
}

VersionRow readVersion(SQLite::Database &db, const QString &modelsRoot, const QString &name,
                       qint64 version)
{
    const qint64 modelId = modelIdOf(db, name);
    QList<VersionRow> rows = readVersions(db, modelsRoot, "AND v.model_id = ? AND v.version = ?",
                                          [&](SQLite::Statement &query) {
                                              query.bind(1, static_cast<int64_t>(modelId));
                                              query.bind(2, static_cast<int64_t>(version));
                                          });
    if (rows.isEmpty())
        versionNotFound(name, version);
    return rows.first();
}

// The newest version of each stage among `versions` (one model's), in stage order.
QList<ModelVersion> latestPerStage(const QList<VersionRow> &versions)
{
    QMap<int, ModelVersion> latest;
    for (const VersionRow &row : versions) {
        const int stage = int(row.version.stage);
        if (!latest.contains(stage) || latest.value(stage).version < row.version.version)
            latest.insert(stage, row.version);
    }
    return latest.values();
}

QList<RegisteredModel> readModels(SQLite::Database &db, const QString &modelsRoot,
                                  const char *condition = "",
                                  const std::function<void(SQLite::Statement &)> &bind = {})
{
    SQLite::Statement query(db, std::string("SELECT model_id, name, creation_time, "
                                            "last_updated_time, user_id, description FROM "
                                            "registered_models ")
                                    + condition);
    if (bind)
        bind(query);
    QList<RegisteredModel> models;
    QMap<qint64, qsizetype> index;
    while (query.executeStep()) {
        RegisteredModel model;
        model.name = text(query.getColumn(1));
        model.creationTime = query.getColumn(2).getInt64();
        model.lastUpdatedTime = query.getColumn(3).getInt64();
        model.userId = text(query.getColumn(4));
        model.description = text(query.getColumn(5));
        index.insert(query.getColumn(0).getInt64(), models.size());
        models.append(model);
    }
    if (models.isEmpty())
        return models;
    SQLite::Statement tags(db,
                           "SELECT model_id, key, value FROM registered_model_tags ORDER BY key");
    while (tags.executeStep()) {
        const auto found = index.constFind(tags.getColumn(0).getInt64());
        if (found != index.constEnd())
            models[*found].tags.insert(text(tags.getColumn(1)), text(tags.getColumn(2)));
    }
    SQLite::Statement aliases(db, "SELECT model_id, alias, version FROM model_aliases "
                                  "ORDER BY alias");
    while (aliases.executeStep()) {
        const auto found = index.constFind(aliases.getColumn(0).getInt64());
        if (found != index.constEnd())
            models[*found].aliases.append(
                {text(aliases.getColumn(1)), aliases.getColumn(2).getInt64()});
    }
    QMap<qint64, QList<VersionRow>> versionsByModel;
    for (VersionRow &row : readVersions(db, modelsRoot))
        versionsByModel[row.modelId].append(std::move(row));
    for (auto it = index.constBegin(); it != index.constEnd(); ++it)
        models[it.value()].latestVersions = latestPerStage(versionsByModel.value(it.key()));
    return models;
}

RegisteredModel readModel(SQLite::Database &db, const QString &modelsRoot, const QString &name)
{
    QList<RegisteredModel> models =
        readModels(db, modelsRoot, "WHERE name = ?",
                   [&](SQLite::Statement &query) { bindText(query, 1, name); });
    if (models.isEmpty())
        modelNotFound(name);
    return models.first();
}

// ---- writing -------------------------------------------------------------------------------

void touchModel(SQLite::Database &db, qint64 modelId, qint64 now)
{
    SQLite::Statement update(db, "UPDATE registered_models SET last_updated_time = ? "
                                 "WHERE model_id = ?");
    update.bind(1, static_cast<int64_t>(now));
    update.bind(2, static_cast<int64_t>(modelId));
    update.exec();
}

struct EventRecord
{
    EventKind kind = EventKind::Created;
    qint64 version = 0;
    std::optional<Stage> from;
    std::optional<Stage> to;
    QString alias;
    qint64 previousVersion = 0;
    QString reason;
    QJsonObject evaluation;
};

void addEvent(SQLite::Database &db, qint64 modelId, qint64 now, const Actor &actor,
              const EventRecord &event)
{
    SQLite::Statement insert(db, "INSERT INTO registry_events(model_id, version, time, kind, "
                                 "from_stage, to_stage, alias, previous_version, actor, reason, "
                                 "evaluation) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    insert.bind(1, static_cast<int64_t>(modelId));
    insert.bind(2, static_cast<int64_t>(event.version));
    insert.bind(3, static_cast<int64_t>(now));
    bindText(insert, 4, toString(event.kind));
    bindOptional(insert, 5, event.from ? toString(*event.from) : QString());
    bindOptional(insert, 6, event.to ? toString(*event.to) : QString());
    bindOptional(insert, 7, event.alias);
    if (event.previousVersion > 0)
        insert.bind(8, static_cast<int64_t>(event.previousVersion));
    else
        insert.bind(8);
    bindText(insert, 9, actor.name);
    bindText(insert, 10, event.reason.isEmpty() ? actor.reason : event.reason);
    if (event.evaluation.isEmpty())
        insert.bind(11);
    else
        bindText(insert, 11,
                 QString::fromUtf8(QJsonDocument(event.evaluation).toJson(QJsonDocument::Compact)));
    insert.exec();
}

// Points `alias` of the model at `version` inside the caller's transaction; records the change.
void setAliasIn(SQLite::Database &db, qint64 modelId, const QString &name, const QString &alias,
                qint64 version, const Actor &actor, const QJsonObject &evaluation)
{
    SQLite::Statement exists(db, "SELECT 1 FROM model_versions WHERE model_id = ? AND "
                                 "version = ? AND deleted = 0");
    exists.bind(1, static_cast<int64_t>(modelId));
    exists.bind(2, static_cast<int64_t>(version));
    if (!exists.executeStep())
        versionNotFound(name, version);
    SQLite::Statement current(db, "SELECT version FROM model_aliases WHERE model_id = ? AND "
                                  "alias = ?");
    current.bind(1, static_cast<int64_t>(modelId));
    bindText(current, 2, alias);
    const qint64 previous = current.executeStep() ? current.getColumn(0).getInt64() : 0;
    if (previous == version)
        return;
    SQLite::Statement set(db, "INSERT INTO model_aliases VALUES (?, ?, ?) ON CONFLICT"
                              "(model_id, alias) DO UPDATE SET version = excluded.version");
    set.bind(1, static_cast<int64_t>(modelId));
    bindText(set, 2, alias);
    set.bind(3, static_cast<int64_t>(version));
    set.exec();
    EventRecord event;
    event.kind = EventKind::AliasSet;
    event.version = version;
    event.alias = alias;
    event.previousVersion = previous;
    event.evaluation = evaluation;
    addEvent(db, modelId, nowMs(), actor, event);
}

// Moves a version to `stage` inside the caller's transaction (archiving the others in that
// stage when asked) and records each change. Returns the model's id.
qint64 transitionIn(SQLite::Database &db, const QString &modelsRoot, const QString &name,
                    qint64 version, Stage stage, bool archiveExisting, const Actor &actor,
                    const QJsonObject &evaluation)
{
    const VersionRow row = readVersion(db, modelsRoot, name, version);
    if (row.version.status != VersionStatus::Ready)
        raiseCoded(errorcode::kInvalidState,
                   QStringLiteral("Version %1 of %2 is %3: only READY versions change stage")
                       .arg(version)
                       .arg(name, toString(row.version.status)));
    const qint64 now = nowMs();
    if (archiveExisting) {
        SQLite::Statement others(db, "SELECT version FROM model_versions WHERE model_id = ? "
                                     "AND version != ? AND current_stage = ? AND deleted = 0 "
                                     "ORDER BY version");
        others.bind(1, static_cast<int64_t>(row.modelId));
        others.bind(2, static_cast<int64_t>(version));
        bindText(others, 3, toString(stage));
        QList<qint64> archived;
        while (others.executeStep())
            archived.append(others.getColumn(0).getInt64());
        for (qint64 other : archived) {
            SQLite::Statement archive(db, "UPDATE model_versions SET current_stage = "
                                          "'Archived', last_updated_time = ? WHERE "
                                          "model_id = ? AND version = ?");
            archive.bind(1, static_cast<int64_t>(now));
            archive.bind(2, static_cast<int64_t>(row.modelId));
            archive.bind(3, static_cast<int64_t>(other));
            archive.exec();
            EventRecord event;
            event.kind = EventKind::StageChanged;
            event.version = other;
            event.from = stage;
            event.to = Stage::Archived;
            event.reason = QStringLiteral("archived as version %1 moved to %2")
                               .arg(version)
                               .arg(toString(stage));
            event.evaluation = evaluation;
            addEvent(db, row.modelId, now, actor, event);
        }
    }
    SQLite::Statement update(db, "UPDATE model_versions SET current_stage = ?, "
                                 "last_updated_time = ? WHERE model_id = ? AND version = ?");
    bindText(update, 1, toString(stage));
    update.bind(2, static_cast<int64_t>(now));
    update.bind(3, static_cast<int64_t>(row.modelId));
    update.bind(4, static_cast<int64_t>(version));
    update.exec();
    touchModel(db, row.modelId, now);
    if (row.version.stage != stage) {
        EventRecord event;
        event.kind = EventKind::StageChanged;
        event.version = version;
        event.from = row.version.stage;
        event.to = stage;
        event.evaluation = evaluation;
        addEvent(db, row.modelId, now, actor, event);
    }
    return row.modelId;
}

// ---- sources -------------------------------------------------------------------------------

// A path inside `root`, or empty when `relative` leaves it.
QString within(const QString &root, const QString &relative)
{
    const QString cleaned = QDir::cleanPath(relative);
    if (cleaned.startsWith(QLatin1String("..")) || QDir::isAbsolutePath(cleaned))
        return QString();
    if (cleaned == QLatin1String(".") || cleaned.isEmpty())
        return root;
    return QDir(root).filePath(cleaned);
}

struct ResolvedSource
{
    QString path;  ///< the file or folder to copy
    QString runId; ///< the run named by a runs:/ URI
};

// Where a version's source lives in this workspace: runs:/<run>/<path> or an
// mlflow-artifacts:/ URI (what MLflow's clients send for a run's artifact).
Result<ResolvedSource> resolveSource(const QString &source, tracking::TrackingStore &tracking)
{
    const auto notHere = [&](const QString &why) {
        return fail(errorcode::kInvalidParameterValue,
                    QStringLiteral("Unable to register a model version from source '%1': %2")
                        .arg(source, why));
    };
    if (source.isEmpty())
        return fail(errorcode::kInvalidParameterValue, missingValue(QStringLiteral("source")));
    if (source.startsWith(QLatin1String("runs:/"))) {
        const QString rest = source.mid(6);
        const qsizetype slash = rest.indexOf(QLatin1Char('/'));
        const QString runId = slash < 0 ? rest : rest.left(slash);
        const QString path = slash < 0 ? QString() : rest.mid(slash + 1);
        Result<QString> directory = tracking.runArtifactDirectory(runId);
        if (!directory)
            return notHere(directory.error().message);
        const QString resolved = within(*directory, path);
        if (resolved.isEmpty())
            return notHere(QStringLiteral("the path leaves the run's artifacts"));
        return ResolvedSource{resolved, runId};
    }
    if (source.startsWith(QLatin1String("mlflow-artifacts:"))) {
        // mlflow-artifacts:/<experiment>/<run>/artifacts/<path>: the path is relative to the
        // artifact store's root, though it is written with a leading slash.
        QString path = QUrl(source).path(QUrl::FullyDecoded);
        while (path.startsWith(QLatin1Char('/')))
            path.remove(0, 1);
        if (path.isEmpty())
            return notHere(QStringLiteral("it names no folder of the artifact store"));
        const QString resolved = within(tracking.artifactRoot(), path);
        if (resolved.isEmpty())
            return notHere(QStringLiteral("the path leaves the artifact store"));
        return ResolvedSource{resolved, QString()};
    }
    return notHere(QStringLiteral("only runs:/ and mlflow-artifacts:/ sources of this "
                                  "workspace can be registered"));
}

// ---- search --------------------------------------------------------------------------------

bool compareText(const QString &value, const Comparison &c)
{
    const QString operand = c.value.toString();
    if (c.op == QLatin1String("="))
        return value == operand;
    if (c.op == QLatin1String("!="))
        return value != operand;
    if (c.op == QLatin1String("LIKE"))
        return tracking::likeMatches(value, operand, Qt::CaseSensitive);
    if (c.op == QLatin1String("ILIKE"))
        return tracking::likeMatches(value, operand, Qt::CaseInsensitive);
    if (c.op == QLatin1String("IN"))
        return c.value.toStringList().contains(value);
    if (c.op == QLatin1String("NOT IN"))
        return !c.value.toStringList().contains(value);
    return false;
}

bool compareNumber(qint64 value, const Comparison &c)
{
    if (c.op == QLatin1String("IN") || c.op == QLatin1String("NOT IN")) {
        bool found = false;
        for (const QString &item : c.value.toStringList())
            found = found || item.toLongLong() == value;
        return (c.op == QLatin1String("IN")) == found;
    }
    const qint64 operand = c.value.toLongLong();
    if (c.op == QLatin1String("="))
        return value == operand;
    if (c.op == QLatin1String("!="))
        return value != operand;
    if (c.op == QLatin1String("<"))
        return value < operand;
    if (c.op == QLatin1String("<="))
        return value <= operand;
    if (c.op == QLatin1String(">"))
        return value > operand;
    if (c.op == QLatin1String(">="))
        return value >= operand;
    return false;
}

// Checks every comparison of the filter before any row is looked at, so a bad filter fails
// the same on an empty registry as on a full one.
Result<void> checkFilter(const FilterNode *node, const QStringList &textAttributes,
                         const QStringList &numberAttributes)
{
    if (!node)
        return {};
    if (node->kind != FilterNode::Kind::Leaf) {
        for (const FilterNode &child : node->children) {
            if (auto checked = checkFilter(&child, textAttributes, numberAttributes); !checked)
                return checked;
        }
        return {};
    }
    const Comparison &c = node->comparison;
    static const QStringList textOps = {QStringLiteral("="),    QStringLiteral("!="),
                                        QStringLiteral("LIKE"), QStringLiteral("ILIKE"),
                                        QStringLiteral("IN"),   QStringLiteral("NOT IN")};
    static const QStringList numberOps = {
        QStringLiteral("="), QStringLiteral("!="), QStringLiteral("<"),  QStringLiteral("<="),
        QStringLiteral(">"), QStringLiteral(">="), QStringLiteral("IN"), QStringLiteral("NOT IN")};
    if (c.entity == Entity::Tag) {
        if (!textOps.mid(0, 4).contains(c.op))
            return fail(errorcode::kInvalidParameterValue,
                        QStringLiteral("Invalid comparator for tag: %1").arg(c.op));
        return {};
    }
    if (c.entity != Entity::Attribute)
        return fail(errorcode::kInvalidParameterValue,
                    QStringLiteral("Invalid entity type in the filter: only attributes and tags "
                                   "can be searched"));
    if (numberAttributes.contains(c.key)) {
        if (!numberOps.contains(c.op))
            return fail(errorcode::kInvalidParameterValue,
                        QStringLiteral("Invalid comparator for attribute %1: %2").arg(c.key, c.op));
        return {};
    }
    if (!textAttributes.contains(c.key))
        return fail(errorcode::kInvalidParameterValue,
                    QStringLiteral("Invalid attribute name: %1").arg(c.key));
    if (!textOps.contains(c.op))
        return fail(errorcode::kInvalidParameterValue,
                    QStringLiteral("Invalid comparator for attribute: %1").arg(c.op));
    return {};
}

using AttributeText = std::function<QString(const QString &key)>;
using AttributeNumber = std::function<qint64(const QString &key)>;

bool matches(const FilterNode *node, const KeyValueList &tags, const AttributeText &textOf,
             const QStringList &numberAttributes, const AttributeNumber &numberOf)
{
    if (!node)
        return true;
    switch (node->kind) {
    case FilterNode::Kind::And:
        return std::all_of(node->children.begin(), node->children.end(), [&](const auto &child) {
            return matches(&child, tags, textOf, numberAttributes, numberOf);
        });
    case FilterNode::Kind::Or:
        return std::any_of(node->children.begin(), node->children.end(), [&](const auto &child) {
            return matches(&child, tags, textOf, numberAttributes, numberOf);
        });
    case FilterNode::Kind::Leaf:
        break;
    }
    const Comparison &c = node->comparison;
    if (c.entity == Entity::Tag) {
        const QString *value = tags.find(c.key);
        // MLflow's client adds "tag.`mlflow.prompt.is_prompt` != 'true'" to every model search
        // to leave prompts out; models have no such tag, and MLflow counts them as not prompts.
        if (!value && c.key == QLatin1String("mlflow.prompt.is_prompt"))
            return (c.op == QLatin1String("=") && c.value.toString() == QLatin1String("false"))
                   || (c.op == QLatin1String("!=") && c.value.toString() == QLatin1String("true"));
        return value && compareText(*value, c);
    }
    if (numberAttributes.contains(c.key))
        return compareNumber(numberOf(c.key), c);
    return compareText(textOf(c.key), c);
}

template <typename T, typename Key>
Result<Page<T>> sortAndPage(QList<T> items, const QList<OrderTerm> &terms, Key keyOf,
                            int maxResults, const QString &pageToken)
{
    auto offset = tracking::offsetFromPageToken(pageToken);
    if (!offset)
        return offset.error();
    std::stable_sort(items.begin(), items.end(), [&](const T &a, const T &b) {
        for (const OrderTerm &term : terms) {
            const QVariant left = keyOf(a, term.key);
            const QVariant right = keyOf(b, term.key);
            const int order = QVariant::compare(left, right) == QPartialOrdering::Less      ? -1
                              : QVariant::compare(left, right) == QPartialOrdering::Greater ? 1
                                                                                            : 0;
            if (order != 0)
                return term.ascending ? order < 0 : order > 0;
        }
        return false;
    });
    Page<T> page;
    page.items = items.mid(*offset, maxResults);
    if (*offset + maxResults < items.size())
        page.nextPageToken = tracking::makePageToken(*offset + maxResults);
    return page;
}

// Order terms as given, then the defaults for keys not named, each key at most once.
Result<QList<OrderTerm>> orderTerms(const QStringList &orderBy, const QStringList &validKeys,
                                    const QList<OrderTerm> &defaults)
{
    auto parsed = tracking::parseOrderBy(orderBy);
    if (!parsed)
        return parsed.error();
    QList<OrderTerm> terms;
    QStringList seen;
    for (OrderTerm term : *parsed) {
        if (term.key == QLatin1String("timestamp"))
            term.key = QStringLiteral("last_updated_timestamp");
        if (term.entity != Entity::Attribute || !validKeys.contains(term.key))
            return fail(errorcode::kInvalidParameterValue,
                        QStringLiteral("Invalid order by key '%1' specified. Valid keys are %2")
                            .arg(term.key, validKeys.join(QStringLiteral(", "))));
        if (seen.contains(term.key))
            return fail(errorcode::kInvalidParameterValue,
                        QStringLiteral("`order_by` contains duplicate fields: %1")
                            .arg(orderBy.join(QStringLiteral(", "))));
        seen.append(term.key);
        terms.append(term);
    }
    for (const OrderTerm &term : defaults) {
        if (!seen.contains(term.key))
            terms.append(term);
    }
    return terms;
}

Result<void> checkMaxResults(int maxResults, int limit)
{
    if (maxResults < 1 || maxResults > limit)
        return fail(errorcode::kInvalidParameterValue,
                    QStringLiteral("Invalid value for request parameter max_results. It must be "
                                   "at most %1, but got value %2")
                        .arg(limit)
                        .arg(maxResults));
    return {};
}

} // namespace

Result<void> validateModelName(const QString &name)
{
    return checkModelName(name);
}

Result<void> validateAliasName(const QString &alias)
{
    return checkAlias(alias, true);
}

RegistryStore::RegistryStore(Store &store, tracking::TrackingStore &tracking, QString modelsRoot)
    : m_store(store), m_tracking(tracking), m_modelsRoot(std::move(modelsRoot))
{
}

// ---- registered models -----------------------------------------------------------------------

Result<RegisteredModel> RegistryStore::createRegisteredModel(const QString &name,
                                                             const QString &description,
                                                             const KeyValueList &tags,
                                                             const QString &userId)
{
    if (auto checked = checkModelName(name); !checked)
        return checked.error();
    for (const auto &tag : tags) {
        if (auto checked = checkTagKey(tag.key); !checked)
            return checked.error();
    }
    Result<void> written = writeCoded(m_store, [=, this](SQLite::Database &db) {
        SQLite::Statement exists(db, "SELECT 1 FROM registered_models WHERE name = ?");
        bindText(exists, 1, name);
        if (exists.executeStep())
            raiseCoded(errorcode::kResourceAlreadyExists,
                       QStringLiteral("Registered Model (name=%1) already exists.").arg(name));
        const qint64 now = nowMs();
        SQLite::Statement insert(db, "INSERT INTO registered_models(name, description, user_id, "
                                     "creation_time, last_updated_time) VALUES (?, ?, ?, ?, ?)");
        bindText(insert, 1, name);
        bindOptional(insert, 2, description);
        bindOptional(insert, 3, userId);
        insert.bind(4, static_cast<int64_t>(now));
        insert.bind(5, static_cast<int64_t>(now));
        insert.exec();
        const qint64 modelId = db.getLastInsertRowid();
        for (const auto &tag : tags) {
            SQLite::Statement addTag(db, "INSERT INTO registered_model_tags VALUES (?, ?, ?)");
            addTag.bind(1, static_cast<int64_t>(modelId));
            bindText(addTag, 2, tag.key);
            bindText(addTag, 3, tag.value);
            addTag.exec();
        }
    });
    if (!written)
        return written.error();
    return registeredModel(name);
}

Result<RegisteredModel> RegistryStore::registeredModel(const QString &name) const
{
    if (auto checked = checkModelName(name); !checked)
        return checked.error();
    return readCoded(m_store,
                     [&](SQLite::Database &db) { return readModel(db, m_modelsRoot, name); });
}

Result<RegisteredModel> RegistryStore::renameRegisteredModel(const QString &name,
                                                             const QString &newName)
{
    if (auto checked = checkModelName(newName, QStringLiteral("new_name")); !checked)
        return checked.error();
    Result<void> written = writeCoded(m_store, [=, this](SQLite::Database &db) {
        const qint64 modelId = modelIdOf(db, name);
        SQLite::Statement exists(db, "SELECT 1 FROM registered_models WHERE name = ?");
        bindText(exists, 1, newName);
        if (exists.executeStep())
            raiseCoded(errorcode::kResourceAlreadyExists,
                       QStringLiteral("Registered Model (name=%1) already exists.").arg(newName));
        const qint64 now = nowMs();
        // The versions' files stay where they are: their folders are recorded per version.
        SQLite::Statement rename(db, "UPDATE registered_models SET name = ?, "
                                     "last_updated_time = ? WHERE model_id = ?");
        bindText(rename, 1, newName);
        rename.bind(2, static_cast<int64_t>(now));
        rename.bind(3, static_cast<int64_t>(modelId));
        rename.exec();
        SQLite::Statement versions(db, "UPDATE model_versions SET last_updated_time = ? "
                                       "WHERE model_id = ?");
        versions.bind(1, static_cast<int64_t>(now));
        versions.bind(2, static_cast<int64_t>(modelId));
        versions.exec();
    });
    if (!written)
        return written.error();
    return registeredModel(newName);
}

Result<RegisteredModel> RegistryStore::updateRegisteredModel(const QString &name,
                                                             const QString &description)
{
    Result<void> written = writeCoded(m_store, [=, this](SQLite::Database &db) {
        const qint64 modelId = modelIdOf(db, name);
        SQLite::Statement update(db, "UPDATE registered_models SET description = ?, "
                                     "last_updated_time = ? WHERE model_id = ?");
        bindOptional(update, 1, description);
        update.bind(2, static_cast<int64_t>(nowMs()));
        update.bind(3, static_cast<int64_t>(modelId));
        update.exec();
    });
    if (!written)
        return written.error();
    return registeredModel(name);
}

Result<void> RegistryStore::deleteRegisteredModel(const QString &name)
{
    if (auto checked = checkModelName(name); !checked)
        return checked;
    auto folders = std::make_shared<QStringList>();
    Result<void> written = writeCoded(m_store, [=, this](SQLite::Database &db) {
        const qint64 modelId = modelIdOf(db, name);
        SQLite::Statement paths(db, "SELECT storage_path FROM model_versions WHERE model_id = ? "
                                    "AND storage_path IS NOT NULL");
        paths.bind(1, static_cast<int64_t>(modelId));
        folders->clear();
        while (paths.executeStep())
            folders->append(text(paths.getColumn(0)));
        SQLite::Statement remove(db, "DELETE FROM registered_models WHERE model_id = ?");
        remove.bind(1, static_cast<int64_t>(modelId));
        remove.exec();
    });
    if (!written)
        return written;
    // After the commit: a crash before this leaves orphaned folders, which recover() removes.
    for (const QString &folder : *folders) {
        const QString path = QDir(m_modelsRoot).filePath(folder);
        if (!removeTree(path))
            qCWarning(lcRegistry) << "could not remove" << path << "; it is removed at start-up";
        QDir(m_modelsRoot).rmdir(QFileInfo(folder).path());
    }
    return {};
}

Result<Page<RegisteredModel>> RegistryStore::searchRegisteredModels(const QString &filter,
                                                                    int maxResults,
                                                                    const QStringList &orderBy,
                                                                    const QString &pageToken) const
{
    if (auto checked = checkMaxResults(maxResults, 1000); !checked)
        return checked.error();
    auto parsed = tracking::parseFilter(filter);
    if (!parsed)
        return parsed.error();
    const QStringList textAttributes = {QStringLiteral("name")};
    if (auto checked = checkFilter(parsed->get(), textAttributes, {}); !checked)
        return checked.error();
    auto terms = orderTerms(orderBy,
                            {QStringLiteral("name"), QStringLiteral("creation_timestamp"),
                             QStringLiteral("last_updated_timestamp")},
                            {OrderTerm{Entity::Attribute, QStringLiteral("name"), true}});
    if (!terms)
        return terms.error();
    auto models = readCoded(m_store, [&](SQLite::Database &db) {
        return readModels(db, m_modelsRoot, "ORDER BY name");
    });
    if (!models)
        return models.error();
    QList<RegisteredModel> matching;
    for (const RegisteredModel &model : *models) {
        if (matches(
                parsed->get(), model.tags, [&](const QString &) { return model.name; }, {},
                [](const QString &) { return qint64(0); }))
            matching.append(model);
    }
    return sortAndPage(
        matching, *terms,
        [](const RegisteredModel &model, const QString &key) -> QVariant {
            if (key == QLatin1String("creation_timestamp"))
                return model.creationTime;
            if (key == QLatin1String("last_updated_timestamp"))
                return model.lastUpdatedTime;
            return model.name;
        },
        maxResults, pageToken);
}

Result<QList<ModelVersion>> RegistryStore::latestVersions(const QString &name,
                                                          const QList<Stage> &stages) const
{
    auto model = registeredModel(name);
    if (!model)
        return model.error();
    QList<ModelVersion> latest;
    for (const ModelVersion &version : model->latestVersions) {
        if (stages.isEmpty() || stages.contains(version.stage))
            latest.append(version);
    }
    return latest;
}

Result<void> RegistryStore::setRegisteredModelTag(const QString &name, const QString &key,
                                                  const QString &value)
{
    if (auto checked = checkModelName(name); !checked)
        return checked;
    if (auto checked = checkTagKey(key); !checked)
        return checked;
    return writeCoded(m_store, [=, this](SQLite::Database &db) {
        const qint64 modelId = modelIdOf(db, name);
        SQLite::Statement set(db,
                              "INSERT INTO registered_model_tags VALUES (?, ?, ?) "
                              "ON CONFLICT(model_id, key) DO UPDATE SET value = excluded.value");
        set.bind(1, static_cast<int64_t>(modelId));
        bindText(set, 2, key);
        bindText(set, 3, value);
        set.exec(); // As MLflow: tags leave last_updated_time alone.
    });
}

Result<void> RegistryStore::deleteRegisteredModelTag(const QString &name, const QString &key)
{
    if (auto checked = checkModelName(name); !checked)
        return checked;
    if (auto checked = checkTagKey(key); !checked)
        return checked;
    return writeCoded(m_store, [=, this](SQLite::Database &db) {
        const qint64 modelId = modelIdOf(db, name);
        SQLite::Statement remove(db, "DELETE FROM registered_model_tags WHERE model_id = ? AND "
                                     "key = ?");
        remove.bind(1, static_cast<int64_t>(modelId));
        bindText(remove, 2, key);
        remove.exec(); // As MLflow: deleting a tag that is not there changes nothing.
    });
}

// ---- aliases -------------------------------------------------------------------------------

Result<void> RegistryStore::setAlias(const QString &name, const QString &alias, qint64 version,
                                     const Actor &actor)
{
    if (auto checked = checkModelName(name); !checked)
        return checked;
    if (auto checked = checkAlias(alias, true); !checked)
        return checked;
    return writeCoded(m_store, [=](SQLite::Database &db) {
        setAliasIn(db, modelIdOf(db, name), name, alias, version, actor, {});
    });
}

Result<void> RegistryStore::deleteAlias(const QString &name, const QString &alias,
                                        const Actor &actor)
{
    if (auto checked = checkModelName(name); !checked)
        return checked;
    if (auto checked = checkAlias(alias, false); !checked)
        return checked;
    return writeCoded(m_store, [=, this](SQLite::Database &db) {
        const qint64 modelId = modelIdOf(db, name);
        SQLite::Statement current(db, "SELECT version FROM model_aliases WHERE model_id = ? AND "
                                      "alias = ?");
        current.bind(1, static_cast<int64_t>(modelId));
        bindText(current, 2, alias);
        if (!current.executeStep())
            return; // As MLflow: deleting an alias that is not there changes nothing.
        const qint64 version = current.getColumn(0).getInt64();
        SQLite::Statement remove(db, "DELETE FROM model_aliases WHERE model_id = ? AND alias = ?");
        remove.bind(1, static_cast<int64_t>(modelId));
        bindText(remove, 2, alias);
        remove.exec();
        EventRecord event;
        event.kind = EventKind::AliasDeleted;
        event.version = version;
        event.alias = alias;
        addEvent(db, modelId, nowMs(), actor, event);
    });
}

Result<ModelVersion> RegistryStore::versionByAlias(const QString &name, const QString &alias) const
{
    if (auto checked = checkModelName(name); !checked)
        return checked.error();
    if (auto checked = checkAlias(alias, false); !checked)
        return checked.error();
    return readCoded(m_store, [&](SQLite::Database &db) {
        const qint64 modelId = modelIdOf(db, name);
        if (alias.compare(QLatin1String("latest"), Qt::CaseInsensitive) == 0) {
            SQLite::Statement newest(db, "SELECT max(version) FROM model_versions WHERE "
                                         "model_id = ? AND deleted = 0");
            newest.bind(1, static_cast<int64_t>(modelId));
            if (!newest.executeStep() || newest.getColumn(0).isNull())
                raiseCoded(errorcode::kResourceDoesNotExist,
                           QStringLiteral("Latest version not found for model %1.").arg(name));
            return readVersion(db, m_modelsRoot, name, newest.getColumn(0).getInt64()).version;
        }
        SQLite::Statement current(db, "SELECT version FROM model_aliases WHERE model_id = ? AND "
                                      "alias = ?");
        current.bind(1, static_cast<int64_t>(modelId));
        bindText(current, 2, alias);
        if (!current.executeStep())
            raiseCoded(errorcode::kInvalidParameterValue,
                       QStringLiteral("Registered model alias %1 not found.").arg(alias));
        return readVersion(db, m_modelsRoot, name, current.getColumn(0).getInt64()).version;
    });
}

// ---- versions ------------------------------------------------------------------------------

Result<ModelVersion> RegistryStore::createModelVersion(const NewModelVersion &request,
                                                       const Actor &actor)
{
    if (auto checked = checkModelName(request.name); !checked)
        return checked.error();
    for (const auto &tag : request.tags) {
        if (auto checked = checkTagKey(tag.key); !checked)
            return checked.error();
    }
    auto source = resolveSource(request.source, m_tracking);
    if (!source)
        return source.error();
    if (!QFileInfo::exists(source->path))
        return fail(errorcode::kInvalidParameterValue,
                    QStringLiteral("Unable to register a model version from source '%1': it has "
                                   "no files (nothing at %2)")
                        .arg(request.source, source->path));
    const QString runId = request.runId.isEmpty() ? source->runId : request.runId;

    // 1. The version's row, PENDING, with the folder its files will have.
    auto created = std::make_shared<QPair<qint64, QString>>(); // version, storage path
    auto modelId = std::make_shared<qint64>(0);
    const QString folder = modelFolderName(request.name);
    Result<void> written = writeCoded(m_store, [=, this](SQLite::Database &db) {
        *modelId = modelIdOf(db, request.name);
        SQLite::Statement highest(db, "SELECT coalesce(max(version), 0) FROM model_versions "
                                      "WHERE model_id = ?");
        highest.bind(1, static_cast<int64_t>(*modelId));
        highest.executeStep();
        const qint64 version = highest.getColumn(0).getInt64() + 1;
        // A renamed model's old versions may own the natural folder name already.
        QString storage = folder + QLatin1Char('/') + QString::number(version);
        for (int suffix = 2;; ++suffix) {
            SQLite::Statement taken(db, "SELECT 1 FROM model_versions WHERE storage_path = ?");
            bindText(taken, 1, storage);
            if (!taken.executeStep())
                break;
            storage = folder + QLatin1Char('/') + QString::number(version) + QLatin1Char('.')
                      + QString::number(suffix);
        }
        const qint64 now = nowMs();
        SQLite::Statement insert(db, "INSERT INTO model_versions(model_id, version, "
                                     "creation_time, last_updated_time, user_id, description, "
                                     "source, run_id, run_link, status, storage_path) VALUES "
                                     "(?, ?, ?, ?, NULL, ?, ?, ?, ?, 'PENDING_REGISTRATION', ?)");
        insert.bind(1, static_cast<int64_t>(*modelId));
        insert.bind(2, static_cast<int64_t>(version));
        insert.bind(3, static_cast<int64_t>(now));
        insert.bind(4, static_cast<int64_t>(now));
        bindOptional(insert, 5, request.description);
        bindText(insert, 6, request.source);
        bindOptional(insert, 7, runId);
        bindOptional(insert, 8, request.runLink);
        bindText(insert, 9, storage);
        insert.exec();
        for (const auto &tag : request.tags) {
            SQLite::Statement addTag(db, "INSERT INTO model_version_tags VALUES (?, ?, ?, ?)");
            addTag.bind(1, static_cast<int64_t>(*modelId));
            addTag.bind(2, static_cast<int64_t>(version));
            bindText(addTag, 3, tag.key);
            bindText(addTag, 4, tag.value);
            addTag.exec();
        }
        touchModel(db, *modelId, now);
        EventRecord event;
        event.kind = EventKind::Created;
        event.version = version;
        event.to = Stage::None;
        event.reason = actor.reason.isEmpty()
                           ? QStringLiteral("registered from %1").arg(request.source)
                           : actor.reason;
        addEvent(db, *modelId, now, actor, event);
        *created = {version, storage};
    });
    if (!written)
        return written.error();
    const qint64 version = created->first;

    // 2. The files: copied into a hidden folder, synced, then renamed into place, so the final
    // folder exists only whole.
    const QString final = QDir(m_modelsRoot).filePath(created->second);
    const QFileInfo finalInfo(final);
    const QString partial =
        QDir(finalInfo.path()).filePath(QLatin1Char('.') + finalInfo.fileName() + ".partial");
    Result<void> copied = [&]() -> Result<void> {
        if (!QDir().mkpath(finalInfo.path()))
            return fail(QStringLiteral("cannot create the folder %1").arg(finalInfo.path()));
        removeTree(partial);
        if (!removeTree(final)) // an orphan left by a crash, not recorded as any version
            return fail(QStringLiteral("cannot remove the leftover folder %1").arg(final));
        if (auto done = copyDurably(source->path, partial); !done)
            return done;
        return renameDurably(partial, final);
    }();

    // 3. READY, or FAILED with the reason and no folder.
    Result<void> finished = writeCoded(m_store, [=, this](SQLite::Database &db) {
        SQLite::Statement update(
            db, copied ? "UPDATE model_versions SET status = 'READY', last_updated_time = ?1 "
                         "WHERE model_id = ?2 AND version = ?3"
                       : "UPDATE model_versions SET status = 'FAILED_REGISTRATION', "
                         "status_message = ?4, storage_path = NULL, last_updated_time = ?1 "
                         "WHERE model_id = ?2 AND version = ?3");
        update.bind(1, static_cast<int64_t>(nowMs()));
        update.bind(2, static_cast<int64_t>(*modelId));
        update.bind(3, static_cast<int64_t>(version));
        if (!copied)
            bindText(update, 4, copied.errorMessage());
        update.exec();
    });
    if (!copied) {
        removeTree(partial);
        qCWarning(lcRegistry).noquote() << "version" << version << "of" << request.name
                                        << "failed to register:" << copied.errorMessage();
    }
    if (!finished)
        return finished.error();
    return modelVersion(request.name, version);
}

Result<ModelVersion> RegistryStore::modelVersion(const QString &name, qint64 version) const
{
    if (auto checked = checkModelName(name); !checked)
        return checked.error();
    return readCoded(m_store, [&](SQLite::Database &db) {
        return readVersion(db, m_modelsRoot, name, version).version;
    });
}

Result<ModelVersion> RegistryStore::updateModelVersion(const QString &name, qint64 version,
                                                       const QString &description)
{
    if (auto checked = checkModelName(name); !checked)
        return checked.error();
    Result<void> written = writeCoded(m_store, [=, this](SQLite::Database &db) {
        const VersionRow row = readVersion(db, m_modelsRoot, name, version);
        SQLite::Statement update(db, "UPDATE model_versions SET description = ?, "
                                     "last_updated_time = ? WHERE model_id = ? AND version = ?");
        bindOptional(update, 1, description);
        update.bind(2, static_cast<int64_t>(nowMs()));
        update.bind(3, static_cast<int64_t>(row.modelId));
        update.bind(4, static_cast<int64_t>(version));
        update.exec();
    });
    if (!written)
        return written.error();
    return modelVersion(name, version);
}

Result<ModelVersion> RegistryStore::transitionStage(const QString &name, qint64 version,
                                                    Stage stage, bool archiveExisting,
                                                    const Actor &actor,
                                                    const QJsonObject &evaluation)
{
    if (auto checked = checkModelName(name); !checked)
        return checked.error();
    if (archiveExisting && stage != Stage::Staging && stage != Stage::Production)
        return fail(errorcode::kInvalidParameterValue,
                    QStringLiteral("Model version transition cannot archive existing model "
                                   "versions because '%1' is not an Active stage. Valid stages "
                                   "are Staging, Production")
                        .arg(toString(stage)));
    Result<void> written = writeCoded(m_store, [=, this](SQLite::Database &db) {
        transitionIn(db, m_modelsRoot, name, version, stage, archiveExisting, actor, evaluation);
    });
    if (!written)
        return written.error();
    return modelVersion(name, version);
}

Result<void> RegistryStore::deleteModelVersion(const QString &name, qint64 version,
                                               const Actor &actor)
{
    if (auto checked = checkModelName(name); !checked)
        return checked;
    auto folder = std::make_shared<QString>();
    Result<void> written = writeCoded(m_store, [=, this](SQLite::Database &db) {
        const VersionRow row = readVersion(db, m_modelsRoot, name, version);
        SQLite::Statement storage(db, "SELECT storage_path FROM model_versions WHERE "
                                      "model_id = ? AND version = ?");
        storage.bind(1, static_cast<int64_t>(row.modelId));
        storage.bind(2, static_cast<int64_t>(version));
        *folder = storage.executeStep() ? text(storage.getColumn(0)) : QString();
        const qint64 now = nowMs();
        SQLite::Statement aliases(db, "DELETE FROM model_aliases WHERE model_id = ? AND "
                                      "version = ?");
        aliases.bind(1, static_cast<int64_t>(row.modelId));
        aliases.bind(2, static_cast<int64_t>(version));
        aliases.exec();
        // As MLflow: the row stays (its number is never reused), its details are redacted.
        SQLite::Statement remove(db, "UPDATE model_versions SET deleted = 1, description = NULL, "
                                     "user_id = NULL, source = 'REDACTED-SOURCE-PATH', "
                                     "run_id = 'REDACTED-RUN-ID', run_link = "
                                     "'REDACTED-RUN-LINK', status_message = NULL, storage_path = "
                                     "NULL, last_updated_time = ? WHERE model_id = ? AND "
                                     "version = ?");
        remove.bind(1, static_cast<int64_t>(now));
        remove.bind(2, static_cast<int64_t>(row.modelId));
        remove.bind(3, static_cast<int64_t>(version));
        remove.exec();
        touchModel(db, row.modelId, now);
        EventRecord event;
        event.kind = EventKind::Deleted;
        event.version = version;
        event.from = row.version.stage;
        addEvent(db, row.modelId, now, actor, event);
    });
    if (!written)
        return written;
    if (!folder->isEmpty() && !removeTree(QDir(m_modelsRoot).filePath(*folder)))
        qCWarning(lcRegistry) << "could not remove" << *folder << "; it is removed at start-up";
    return {};
}

Result<Page<ModelVersion>> RegistryStore::searchModelVersions(const QString &filter, int maxResults,
                                                              const QStringList &orderBy,
                                                              const QString &pageToken) const
{
    if (auto checked = checkMaxResults(maxResults, 200000); !checked)
        return checked.error();
    auto parsed = tracking::parseFilter(filter);
    if (!parsed)
        return parsed.error();
    const QStringList textAttributes = {QStringLiteral("name"), QStringLiteral("run_id"),
                                        QStringLiteral("source_path")};
    const QStringList numberAttributes = {QStringLiteral("version_number")};
    if (auto checked = checkFilter(parsed->get(), textAttributes, numberAttributes); !checked)
        return checked.error();
    auto terms = orderTerms(
        orderBy,
        {QStringLiteral("name"), QStringLiteral("version_number"),
         QStringLiteral("creation_timestamp"), QStringLiteral("last_updated_timestamp"),
         QStringLiteral("run_id"), QStringLiteral("source_path"), QStringLiteral("current_stage")},
        {OrderTerm{Entity::Attribute, QStringLiteral("last_updated_timestamp"), false},
         OrderTerm{Entity::Attribute, QStringLiteral("name"), true},
         OrderTerm{Entity::Attribute, QStringLiteral("version_number"), false}});
    if (!terms)
        return terms.error();
    auto rows =
        readCoded(m_store, [&](SQLite::Database &db) { return readVersions(db, m_modelsRoot); });
    if (!rows)
        return rows.error();
    QList<ModelVersion> matching;
    for (const VersionRow &row : *rows) {
        const ModelVersion &v = row.version;
        const auto textOf = [&](const QString &key) {
            if (key == QLatin1String("run_id"))
                return v.runId;
            if (key == QLatin1String("source_path"))
                return v.source;
            return v.name;
        };
        if (matches(parsed->get(), v.tags, textOf, numberAttributes,
                    [&](const QString &) { return v.version; }))
            matching.append(v);
    }
    return sortAndPage(
        matching, *terms,
        [](const ModelVersion &v, const QString &key) -> QVariant {
            if (key == QLatin1String("version_number"))
                return v.version;
            if (key == QLatin1String("creation_timestamp"))
                return v.creationTime;
            if (key == QLatin1String("last_updated_timestamp"))
                return v.lastUpdatedTime;
            if (key == QLatin1String("run_id"))
                return v.runId;
            if (key == QLatin1String("source_path"))
                return v.source;
            if (key == QLatin1String("current_stage"))
                return toString(v.stage);
            return v.name;
        },
        maxResults, pageToken);
}

Result<QString> RegistryStore::downloadUri(const QString &name, qint64 version) const
{
    auto found = modelVersion(name, version);
    if (!found)
        return found.error();
    return found->source;
}

Result<void> RegistryStore::setModelVersionTag(const QString &name, qint64 version,
                                               const QString &key, const QString &value)
{
    if (auto checked = checkModelName(name); !checked)
        return checked;
    if (auto checked = checkTagKey(key); !checked)
        return checked;
    return writeCoded(m_store, [=, this](SQLite::Database &db) {
        const VersionRow row = readVersion(db, m_modelsRoot, name, version);
        SQLite::Statement set(db, "INSERT INTO model_version_tags VALUES (?, ?, ?, ?) ON CONFLICT"
                                  "(model_id, version, key) DO UPDATE SET value = excluded.value");
        set.bind(1, static_cast<int64_t>(row.modelId));
        set.bind(2, static_cast<int64_t>(version));
        bindText(set, 3, key);
        bindText(set, 4, value);
        set.exec(); // As MLflow: tags leave last_updated_time alone.
    });
}

Result<void> RegistryStore::deleteModelVersionTag(const QString &name, qint64 version,
                                                  const QString &key)
{
    if (auto checked = checkModelName(name); !checked)
        return checked;
    if (auto checked = checkTagKey(key); !checked)
        return checked;
    return writeCoded(m_store, [=, this](SQLite::Database &db) {
        const VersionRow row = readVersion(db, m_modelsRoot, name, version);
        SQLite::Statement remove(db, "DELETE FROM model_version_tags WHERE model_id = ? AND "
                                     "version = ? AND key = ?");
        remove.bind(1, static_cast<int64_t>(row.modelId));
        remove.bind(2, static_cast<int64_t>(version));
        bindText(remove, 3, key);
        remove.exec(); // As MLflow: deleting a tag that is not there changes nothing.
    });
}

// ---- promotion -----------------------------------------------------------------------------

Result<ModelVersion> RegistryStore::applyPromotion(const QString &name, qint64 challenger,
                                                   const PromotionVerdict &verdict,
                                                   const Actor &actor, const QString &championAlias)
{
    if (auto checked = checkModelName(name); !checked)
        return checked.error();
    if (!championAlias.isEmpty()) {
        if (auto checked = checkAlias(championAlias, true); !checked)
            return checked.error();
    }
    Actor judged = actor;
    judged.reason = verdict.reason;
    Result<void> written = writeCoded(m_store, [=, this](SQLite::Database &db) {
        const VersionRow row = readVersion(db, m_modelsRoot, name, challenger);
        EventRecord decision;
        decision.kind = EventKind::Decision;
        decision.version = challenger;
        decision.evaluation = verdict.evaluation;
        decision.evaluation.insert(QStringLiteral("promote"), verdict.promote);
        addEvent(db, row.modelId, nowMs(), judged, decision);
        if (!verdict.promote)
            return;
        transitionIn(db, m_modelsRoot, name, challenger, Stage::Production, true, judged,
                     verdict.evaluation);
        if (!championAlias.isEmpty())
            setAliasIn(db, row.modelId, name, championAlias, challenger, judged,
                       verdict.evaluation);
    });
    if (!written)
        return written.error();
    return modelVersion(name, challenger);
}

// ---- history -------------------------------------------------------------------------------

Result<QList<RegistryEvent>> RegistryStore::history(const QString &name) const
{
    if (auto checked = checkModelName(name); !checked)
        return checked.error();
    return readCoded(m_store, [&](SQLite::Database &db) {
        const qint64 modelId = modelIdOf(db, name);
        SQLite::Statement query(db, "SELECT event_id, version, time, kind, from_stage, to_stage, "
                                    "alias, previous_version, actor, reason, evaluation FROM "
                                    "registry_events WHERE model_id = ? ORDER BY event_id");
        query.bind(1, static_cast<int64_t>(modelId));
        QList<RegistryEvent> events;
        while (query.executeStep()) {
            RegistryEvent event;
            event.id = query.getColumn(0).getInt64();
            event.modelName = name;
            event.version = query.getColumn(1).getInt64();
            event.time = query.getColumn(2).getInt64();
            event.kind = eventKindFromString(text(query.getColumn(3))).value_or(EventKind::Created);
            if (!query.getColumn(4).isNull())
                event.fromStage = stageFromString(text(query.getColumn(4)));
            if (!query.getColumn(5).isNull())
                event.toStage = stageFromString(text(query.getColumn(5)));
            event.alias = text(query.getColumn(6));
            event.previousVersion = query.getColumn(7).isNull() ? 0 : query.getColumn(7).getInt64();
            event.actor = text(query.getColumn(8));
            event.reason = text(query.getColumn(9));
            if (!query.getColumn(10).isNull())
                event.evaluation =
                    QJsonDocument::fromJson(text(query.getColumn(10)).toUtf8()).object();
            events.append(event);
        }
        return events;
    });
}

// ---- recovery ------------------------------------------------------------------------------

Result<RecoveryReport> RegistryStore::recover()
{
    RecoveryReport report;
    // Versions a crash left PENDING: whole (their folder has its final name) or not.
    struct Pending
    {
        qint64 modelId;
        qint64 version;
        QString storage;
    };
    auto pending = readCoded(m_store, [](SQLite::Database &db) {
        SQLite::Statement query(db, "SELECT model_id, version, storage_path FROM model_versions "
                                    "WHERE status = 'PENDING_REGISTRATION'");
        QList<Pending> found;
        while (query.executeStep())
            found.append({query.getColumn(0).getInt64(), query.getColumn(1).getInt64(),
                          text(query.getColumn(2))});
        return found;
    });
    if (!pending)
        return pending.error();
    for (const Pending &version : *pending) {
        const bool whole = !version.storage.isEmpty()
                           && QFileInfo(QDir(m_modelsRoot).filePath(version.storage)).exists();
        Result<void> written = writeCoded(m_store, [=, this](SQLite::Database &db) {
            SQLite::Statement update(
                db, whole ? "UPDATE model_versions SET status = 'READY' WHERE model_id = ? AND "
                            "version = ?"
                          : "UPDATE model_versions SET status = 'FAILED_REGISTRATION', "
                            "status_message = 'Millrace stopped while copying the model files; "
                            "register the model again', storage_path = NULL WHERE model_id = ? "
                            "AND version = ?");
            update.bind(1, static_cast<int64_t>(version.modelId));
            update.bind(2, static_cast<int64_t>(version.version));
            update.exec();
        });
        if (!written)
            return written.error();
        ++(whole ? report.completed : report.failed);
    }

    // Folders no READY version owns: half-copied ones, and those of versions deleted just
    // before a crash.
    auto owned = readCoded(m_store, [](SQLite::Database &db) {
        SQLite::Statement query(db, "SELECT storage_path FROM model_versions WHERE storage_path "
                                    "IS NOT NULL AND status = 'READY'");
        QSet<QString> paths;
        while (query.executeStep())
            paths.insert(text(query.getColumn(0)));
        return paths;
    });
    if (!owned)
        return owned.error();
    const QDir root(m_modelsRoot);
    for (const QString &model : root.entryList(QDir::Dirs | QDir::NoDotAndDotDot | QDir::Hidden)) {
        const QDir modelDir(root.filePath(model));
        for (const QString &entry :
             modelDir.entryList(QDir::Dirs | QDir::NoDotAndDotDot | QDir::Hidden)) {
            const QString relative = model + QLatin1Char('/') + entry;
            if (owned->contains(relative))
                continue;
            const bool ours = entry.endsWith(QLatin1String(".partial")) || entry.front().isDigit();
            if (!ours)
                continue;
            qCWarning(lcRegistry).noquote()
                << "removing" << modelDir.filePath(entry)
                << ": no registered version owns it (left by an interrupted registration or "
                   "deletion)";
            if (removeTree(modelDir.filePath(entry)))
                ++report.removedFolders;
        }
        root.rmdir(model); // only when empty
    }
    if (report.completed + report.failed + report.removedFolders > 0)
        qCInfo(lcRegistry) << "recovered the registry:" << report.completed << "completed,"
                           << report.failed << "failed," << report.removedFolders
                           << "folders removed";
    return report;
}

Result<qint64> RegistryStore::changeCount() const
{
    return m_store.read([](SQLite::Database &db) {
        SQLite::Statement query(db, "SELECT changes FROM registry_changes WHERE id = 1");
        return query.executeStep() ? qint64(query.getColumn(0).getInt64()) : qint64(0);
    });
}

} // namespace millrace::registry
