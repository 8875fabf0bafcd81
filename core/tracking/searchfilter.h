#pragma once

#include "core/base/result.h"

#include <QList>
#include <QString>
#include <QVariant>

#include <memory>
#include <vector>

namespace millrace::tracking {

/// What a filter or order term talks about.
enum class Entity { Metric, Param, Tag, Attribute };

/// One comparison of a search filter: `metrics.acc > 0.9`, `params.lr = '0.01'`,
/// `tags.team LIKE '%vision%'`, `attributes.run_id IN ('a', 'b')`.
struct Comparison
{
    Entity entity = Entity::Attribute;
    QString key;      ///< metric/param/tag key, or attribute name as written (lower-case)
    QString op;       ///< =, !=, <, <=, >, >=, LIKE, ILIKE, IN, NOT IN (upper-case)
    QVariant value;   ///< a double or a QString; for IN and NOT IN, a QStringList
    int position = 0; ///< where the comparison starts in the filter text (0-based)
};

/// A parsed filter: comparisons joined by AND and OR, with parentheses. AND binds tighter.
struct FilterNode
{
    enum class Kind { And, Or, Leaf };
    Kind kind = Kind::Leaf;
    std::vector<FilterNode> children; ///< for And and Or
    Comparison comparison;            ///< for Leaf
};

/// Parses MLflow's search syntax plus OR and parentheses. An empty or blank filter gives no node.
/// Errors carry INVALID_PARAMETER_VALUE and name the position (1-based column) of the problem.
Result<std::shared_ptr<FilterNode>> parseFilter(const QString &filter);

/// One `ORDER BY` term: `metrics.acc DESC`, `attributes.start_time`, `params.lr ASC`.
struct OrderTerm
{
    Entity entity = Entity::Attribute;
    QString key;
    bool ascending = true;
};

/// Parses order-by clauses as MLflow's clients send them, one term per string.
Result<QList<OrderTerm>> parseOrderBy(const QStringList &clauses);

/// The page token of MLflow's searches for results from `offset` on (base64 of {"offset": n}).
QString makePageToken(qint64 offset);
/// The offset a page token names; 0 for an empty token, INVALID_PARAMETER_VALUE for a bad one.
Result<qint64> offsetFromPageToken(const QString &token);

/// Whether `text` matches SQL LIKE `pattern` ('%' any run of characters, '_' one character).
bool likeMatches(const QString &text, const QString &pattern, Qt::CaseSensitivity sensitivity);

} // namespace millrace::tracking
