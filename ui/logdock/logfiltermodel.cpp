#include "ui/logdock/logfiltermodel.h"

#include "ui/logdock/logmodel.h"

namespace millrace::ui {

LogFilterModel::LogFilterModel(QObject *parent) : QSortFilterProxyModel(parent) {}

int LogFilterModel::severity(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg:
        return 0;
    case QtInfoMsg:
        return 1;
    case QtWarningMsg:
        return 2;
    case QtCriticalMsg:
        return 3;
    case QtFatalMsg:
        return 4;
    }
    return 0;
}

void LogFilterModel::setMinimumLevel(QtMsgType type)
{
    m_minimumSeverity = severity(type);
    invalidateRowsFilter();
}

void LogFilterModel::setText(const QString &text)
{
    m_text = text;
    invalidateRowsFilter();
}

bool LogFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QAbstractItemModel *source = sourceModel();
    const QModelIndex level = source->index(sourceRow, LogModel::LevelColumn, sourceParent);
    if (severity(QtMsgType(level.data(LogModel::MessageTypeRole).toInt())) < m_minimumSeverity)
        return false;
    if (m_text.isEmpty())
        return true;
    for (int column : {int(LogModel::CategoryColumn), int(LogModel::MessageColumn)}) {
        if (source->index(sourceRow, column, sourceParent)
                .data()
                .toString()
                .contains(m_text, Qt::CaseInsensitive))
            return true;
    }
    return false;
}

} // namespace millrace::ui
