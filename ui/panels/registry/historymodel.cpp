#include "ui/panels/registry/historymodel.h"

#include "ui/panels/registry/chips.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QLocale>

#include <algorithm>

namespace millrace::ui {

namespace {

const QChar kArrow(0x2192);

QString versionText(qint64 version)
{
    return QStringLiteral("v%1").arg(version);
}

QString jsonText(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Double: {
        const double number = value.toDouble();
        // Whole numbers (sample counts) as they are; measurements to four significant digits.
        if (number == double(qint64(number)) && qAbs(number) < 1e15)
            return QString::number(qint64(number));
        return QString::number(number, 'g', 4);
    }
    case QJsonValue::Bool:
        return value.toBool() ? QStringLiteral("yes") : QStringLiteral("no");
    case QJsonValue::String:
        return value.toString();
    case QJsonValue::Array: {
        QStringList items;
        for (const QJsonValue &item : value.toArray())
            items << jsonText(item);
        return QLatin1Char('[') + items.join(QStringLiteral(", ")) + QLatin1Char(']');
    }
    default:
        return QString();
    }
}

void flatten(const QJsonObject &object, const QString &prefix, QStringList &parts)
{
    for (auto it = object.begin(); it != object.end(); ++it) {
        const QString key = prefix + it.key();
        // The decision itself is in the title.
        if (prefix.isEmpty() && key == QLatin1String("promote"))
            continue;
        if (it.value().isObject())
            flatten(it.value().toObject(), key + QLatin1Char('.'), parts);
        else
            parts << QStringLiteral("%1 %2").arg(key, jsonText(it.value()));
    }
}

} // namespace

void HistoryModel::setEvents(const QList<registry::RegistryEvent> &events)
{
    QList<registry::RegistryEvent> newestFirst = events;
    std::reverse(newestFirst.begin(), newestFirst.end());
    bool same = newestFirst.size() == m_events.size();
    for (int row = 0; same && row < m_events.size(); ++row)
        same = newestFirst.at(row).id == m_events.at(row).id;
    if (same)
        return;
    beginResetModel();
    m_events = newestFirst;
    endResetModel();
}

QString HistoryModel::titleOf(const registry::RegistryEvent &event)
{
    const QString version = versionText(event.version);
    switch (event.kind) {
    case registry::EventKind::Created:
        return tr("%1 registered").arg(version);
    case registry::EventKind::StageChanged:
        return QStringLiteral("%1: %2 %3 %4")
            .arg(version,
                 event.fromStage ? registry::toString(*event.fromStage) : QStringLiteral("?"),
                 kArrow, event.toStage ? registry::toString(*event.toStage) : QStringLiteral("?"));
    case registry::EventKind::AliasSet:
        if (event.previousVersion > 0)
            return QStringLiteral("@%1: %2 %3 %4")
                .arg(event.alias, versionText(event.previousVersion), kArrow, version);
        return QStringLiteral("@%1 %2 %3").arg(event.alias, kArrow, version);
    case registry::EventKind::AliasDeleted:
        return tr("@%1 removed from %2").arg(event.alias, version);
    case registry::EventKind::Decision:
        return event.evaluation.value(QStringLiteral("promote")).toBool()
                   ? tr("%1 judged better: promote").arg(version)
                   : tr("%1 judged not better: keep the champion").arg(version);
    case registry::EventKind::Deleted:
        return tr("%1 deleted").arg(version);
    }
    return version;
}

QString HistoryModel::evaluationText(const QJsonObject &evaluation)
{
    QStringList parts;
    // The metric judged on names what the numbers after it are.
    const QJsonValue metric = evaluation.value(QStringLiteral("metric"));
    QJsonObject rest = evaluation;
    if (metric.isString()) {
        parts << QStringLiteral("metric %1").arg(metric.toString());
        rest.remove(QStringLiteral("metric"));
    }
    flatten(rest, QString(), parts);
    return parts.join(QStringLiteral(" · "));
}

int HistoryModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_events.size());
}

QVariant HistoryModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const registry::RegistryEvent &event = m_events.at(index.row());
    const auto timeText = [&] {
        return QDateTime::fromMSecsSinceEpoch(event.time)
            .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    };
    // Evaluation numbers explain a decision; repeated on the changes it caused they add noise.
    const auto evaluation = [&] {
        return event.kind == registry::EventKind::Decision ? evaluationText(event.evaluation)
                                                           : QString();
    };
    switch (role) {
    case Qt::DisplayRole: {
        QStringList parts{timeText(), titleOf(event), event.actor};
        if (!event.reason.isEmpty())
            parts << event.reason;
        if (!evaluation().isEmpty())
            parts << evaluation();
        return parts.join(QStringLiteral(" · "));
    }
    case Qt::ToolTipRole: {
        QStringList lines{titleOf(event), tr("%1 by %2").arg(timeText(), event.actor)};
        if (!event.reason.isEmpty())
            lines << event.reason;
        const QString numbers = evaluationText(event.evaluation);
        if (!numbers.isEmpty())
            lines << numbers;
        return lines.join(QLatin1Char('\n'));
    }
    case TimeTextRole:
        return timeText();
    case TitleRole:
        return titleOf(event);
    case ActorRole:
        return event.actor;
    case ReasonRole:
        return event.reason;
    case EvaluationRole:
        return evaluation();
    case KindRole:
        return int(event.kind);
    case AccentRole:
        switch (event.kind) {
        case registry::EventKind::Created:
            return stageColour(registry::Stage::None);
        case registry::EventKind::StageChanged:
            return stageColour(event.toStage.value_or(registry::Stage::None));
        case registry::EventKind::AliasSet:
        case registry::EventKind::AliasDeleted:
            return QColor(0x1e, 0x88, 0xe5);
        case registry::EventKind::Decision:
            return QColor(0x8e, 0x5c, 0xd9);
        case registry::EventKind::Deleted:
            return QColor(0xe5, 0x39, 0x35);
        }
        return QColor(Qt::gray);
    default:
        return {};
    }
}

} // namespace millrace::ui
