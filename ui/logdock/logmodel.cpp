#include "ui/logdock/logmodel.h"

#include <QApplication>
#include <QStyle>

namespace millrace::ui {

LogModel::LogModel(qsizetype capacity, QObject *parent)
    : QAbstractTableModel(parent), m_capacity(qMax<qsizetype>(1, capacity))
{
}

void LogModel::append(const LogEntry &entry)
{
    appendAll({entry});
}

void LogModel::appendAll(const QList<LogEntry> &entries)
{
    if (entries.isEmpty())
        return;
    // Only the newest `capacity` can stay; skip the rest instead of inserting and removing them.
    const qsizetype skip = qMax<qsizetype>(0, entries.size() - m_capacity);
    const int first = int(m_entries.size());
    beginInsertRows(QModelIndex(), first, first + int(entries.size() - skip) - 1);
    for (qsizetype i = skip; i < entries.size(); ++i)
        m_entries.push_back(entries.at(i));
    endInsertRows();
    trimToCapacity();
}

void LogModel::clear()
{
    beginResetModel();
    m_entries.clear();
    endResetModel();
}

void LogModel::trimToCapacity()
{
    const qsizetype excess = qsizetype(m_entries.size()) - m_capacity;
    if (excess <= 0)
        return;
    beginRemoveRows(QModelIndex(), 0, int(excess) - 1);
    m_entries.erase(m_entries.begin(), m_entries.begin() + excess);
    endRemoveRows();
}

int LogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_entries.size());
}

int LogModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString LogModel::levelName(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg:
        return tr("debug");
    case QtInfoMsg:
        return tr("info");
    case QtWarningMsg:
        return tr("warning");
    case QtCriticalMsg:
        return tr("error");
    case QtFatalMsg:
        return tr("fatal");
    }
    return QString();
}

QVariant LogModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const LogEntry &entry = m_entries[size_t(index.row())];
    if (role == MessageTypeRole)
        return int(entry.type);
    if (role == Qt::DisplayRole || role == Qt::ToolTipRole) {
        switch (index.column()) {
        case TimeColumn:
            return role == Qt::ToolTipRole ? entry.time.toString(Qt::ISODateWithMs)
                                           : entry.time.toString(QStringLiteral("HH:mm:ss.zzz"));
        case LevelColumn:
            return levelName(entry.type);
        case CategoryColumn:
            return entry.category;
        case MessageColumn:
            return entry.message;
        }
    }
    if (role == Qt::DecorationRole && index.column() == LevelColumn && qApp) {
        // Standard icons follow the desktop's style and light/dark palette.
        if (entry.type == QtWarningMsg)
            return qApp->style()->standardIcon(QStyle::SP_MessageBoxWarning);
        if (entry.type == QtCriticalMsg || entry.type == QtFatalMsg)
            return qApp->style()->standardIcon(QStyle::SP_MessageBoxCritical);
    }
    return {};
}

QVariant LogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case LevelColumn:
        return tr("Level");
    case CategoryColumn:
        return tr("Category");
    case MessageColumn:
        return tr("Message");
    }
    return {};
}

} // namespace millrace::ui
