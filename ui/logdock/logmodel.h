#pragma once

#include "core/base/logbus.h"

#include <QAbstractTableModel>

#include <deque>

namespace millrace::ui {

/// The app's log messages as a table (time, level, category, message), newest last. Holds at most
/// `capacity` rows, dropping the oldest.
class LogModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { TimeColumn, LevelColumn, CategoryColumn, MessageColumn, ColumnCount };
    /// Role under which each row's QtMsgType is available (for filtering by level).
    static constexpr int MessageTypeRole = Qt::UserRole + 1;

    explicit LogModel(qsizetype capacity = 10000, QObject *parent = nullptr);

    /// Adds one entry at the bottom.
    void append(const LogEntry &entry);
    /// Adds entries at the bottom, in order.
    void appendAll(const QList<LogEntry> &entries);
    void clear();

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    /// A short name for a message level ("info", "warning", ...).
    static QString levelName(QtMsgType type);

private:
    void trimToCapacity();

    const qsizetype m_capacity;
    std::deque<LogEntry> m_entries;
};

} // namespace millrace::ui
