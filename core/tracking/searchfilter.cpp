#include "core/tracking/searchfilter.h"

#include "core/tracking/trackingtypes.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace millrace::tracking {

namespace {

struct Token
{
    enum class Kind {
        Identifier,
        String,
        Number,
        Operator,
        LeftParen,
        RightParen,
        Comma,
        Dot,
        End
    };
    Kind kind;
    QString text;
    int position;
    QChar quote = QChar(); ///< the quote an identifier was written in, if any
};

Error invalid(int position, const QString &what)
{
    return fail(
        errorcode::kInvalidParameterValue,
        QStringLiteral("Invalid search filter at position %1: %2").arg(position + 1).arg(what));
}

// Splits the filter into tokens; quoted names (`...`, "...") come back as identifiers.
Result<QList<Token>> tokenize(const QString &text)
{
    QList<Token> tokens;
    int i = 0;
    const int n = int(text.size());
    while (i < n) {
        const QChar c = text.at(i);
        if (c.isSpace()) {
            ++i;
            continue;
        }
        const int start = i;
        if (c == QLatin1Char('(') || c == QLatin1Char(')') || c == QLatin1Char(',')
            || c == QLatin1Char('.')) {
            // A dot followed by a digit belongs to a number like .5
            if (c == QLatin1Char('.') && i + 1 < n && text.at(i + 1).isDigit()
                && (tokens.isEmpty() || tokens.constLast().kind == Token::Kind::Operator)) {
                // fall through to number parsing below
            } else {
                tokens.append({c == QLatin1Char('(')   ? Token::Kind::LeftParen
                               : c == QLatin1Char(')') ? Token::Kind::RightParen
                               : c == QLatin1Char(',') ? Token::Kind::Comma
                                                       : Token::Kind::Dot,
                               QString(c), start});
                ++i;
                continue;
            }
        }
        if (c == QLatin1Char('\'') || c == QLatin1Char('"') || c == QLatin1Char('`')) {
            QString value;
            ++i;
            bool closed = false;
            while (i < n) {
                if (text.at(i) == c) {
                    // A doubled quote stands for the quote itself, as in SQL.
                    if (i + 1 < n && text.at(i + 1) == c && c == QLatin1Char('\'')) {
                        value += c;
                        i += 2;
                        continue;
                    }
                    closed = true;
                    ++i;
                    break;
                }
                value += text.at(i++);
            }
            if (!closed)
                return invalid(start, QStringLiteral("unterminated quote %1").arg(c));
            tokens.append({c == QLatin1Char('\'') ? Token::Kind::String : Token::Kind::Identifier,
                           value, start, c});
            continue;
        }
        if (c.isDigit() || c == QLatin1Char('.')
            || ((c == QLatin1Char('-') || c == QLatin1Char('+')) && i + 1 < n
                && (text.at(i + 1).isDigit() || text.at(i + 1) == QLatin1Char('.')))) {
            ++i;
            while (i < n
                   && (text.at(i).isDigit() || text.at(i) == QLatin1Char('.')
                       || text.at(i) == QLatin1Char('e') || text.at(i) == QLatin1Char('E')
                       || ((text.at(i) == QLatin1Char('-') || text.at(i) == QLatin1Char('+'))
                           && (text.at(i - 1) == QLatin1Char('e')
                               || text.at(i - 1) == QLatin1Char('E')))))
                ++i;
            tokens.append({Token::Kind::Number, text.mid(start, i - start), start});
            continue;
        }
        if (c == QLatin1Char('=') || c == QLatin1Char('!') || c == QLatin1Char('<')
            || c == QLatin1Char('>')) {
            ++i;
            if (i < n && text.at(i) == QLatin1Char('='))
                ++i;
            const QString op = text.mid(start, i - start);
            if (op == QLatin1String("!"))
                return invalid(start, QStringLiteral("'!' must be followed by '='"));
            tokens.append({Token::Kind::Operator,
                           op == QLatin1String("==") ? QStringLiteral("=") : op, start});
            continue;
        }
        if (c.isLetter() || c == QLatin1Char('_')) {
            while (i < n
                   && (text.at(i).isLetterOrNumber() || text.at(i) == QLatin1Char('_')
                       || text.at(i) == QLatin1Char('-') || text.at(i) == QLatin1Char('/')
                       || text.at(i) == QLatin1Char(':')))
                ++i;
            tokens.append({Token::Kind::Identifier, text.mid(start, i - start), start});
            continue;
        }
        return invalid(start, QStringLiteral("unexpected character '%1'").arg(c));
    }
    tokens.append({Token::Kind::End, QString(), int(n)});
    return tokens;
}

bool isWord(const Token &token, const char *word)
{
    return token.kind == Token::Kind::Identifier
           && token.text.compare(QLatin1String(word), Qt::CaseInsensitive) == 0;
}

std::optional<Entity> entityForPrefix(const QString &prefix)
{
    const QString p = prefix.toLower();
    if (p == QLatin1String("metrics") || p == QLatin1String("metric"))
        return Entity::Metric;
    if (p == QLatin1String("params") || p == QLatin1String("param")
        || p == QLatin1String("parameters") || p == QLatin1String("parameter"))
        return Entity::Param;
    if (p == QLatin1String("tags") || p == QLatin1String("tag"))
        return Entity::Tag;
    if (p == QLatin1String("attributes") || p == QLatin1String("attribute")
        || p == QLatin1String("attr") || p == QLatin1String("run"))
        return Entity::Attribute;
    return std::nullopt;
}

class Parser
{
public:
    explicit Parser(QList<Token> tokens) : m_tokens(std::move(tokens)) {}

    Result<std::shared_ptr<FilterNode>> parse()
    {
        auto node = parseOr();
        if (!node)
            return node.error();
        if (peek().kind != Token::Kind::End)
            return invalid(
                peek().position,
                QStringLiteral("expected AND, OR or the end, found '%1'").arg(peek().text));
        return node;
    }

private:
    const Token &peek() const { return m_tokens.at(m_index); }
    const Token &next() { return m_tokens.at(m_index++); }

    Result<std::shared_ptr<FilterNode>> parseOr()
    {
        auto first = parseAnd();
        if (!first)
            return first;
        if (!isWord(peek(), "or"))
            return first;
        auto node = std::make_shared<FilterNode>();
        node->kind = FilterNode::Kind::Or;
        node->children.push_back(**first);
        while (isWord(peek(), "or")) {
            next();
            auto operand = parseAnd();
            if (!operand)
                return operand;
            node->children.push_back(**operand);
        }
        return node;
    }

    Result<std::shared_ptr<FilterNode>> parseAnd()
    {
        auto first = parsePrimary();
        if (!first)
            return first;
        if (!isWord(peek(), "and"))
            return first;
        auto node = std::make_shared<FilterNode>();
        node->kind = FilterNode::Kind::And;
        node->children.push_back(**first);
        while (isWord(peek(), "and")) {
            next();
            auto operand = parsePrimary();
            if (!operand)
                return operand;
            node->children.push_back(**operand);
        }
        return node;
    }

    Result<std::shared_ptr<FilterNode>> parsePrimary()
    {
        if (peek().kind == Token::Kind::LeftParen) {
            const int open = next().position;
            auto inner = parseOr();
            if (!inner)
                return inner;
            if (peek().kind != Token::Kind::RightParen)
                return invalid(
                    peek().position,
                    QStringLiteral("expected ')' to close the '(' at position %1").arg(open + 1));
            next();
            return inner;
        }
        auto comparison = parseComparison();
        if (!comparison)
            return comparison.error();
        auto node = std::make_shared<FilterNode>();
        node->comparison = *comparison;
        return node;
    }

    Result<Comparison> parseComparison()
    {
        Comparison comparison;
        const Token &first = next();
        comparison.position = first.position;
        if (first.kind != Token::Kind::Identifier)
            return invalid(first.position,
                           first.kind == Token::Kind::End
                               ? QStringLiteral("expected a comparison, found the end")
                               : QStringLiteral("expected a name such as metrics.acc, found '%1'")
                                     .arg(first.text));
        if (peek().kind == Token::Kind::Dot) {
            const std::optional<Entity> entity = entityForPrefix(first.text);
            if (!entity)
                return invalid(first.position,
                               QStringLiteral("unknown prefix '%1' (use metrics., params., tags. "
                                              "or attributes.)")
                                   .arg(first.text));
            next();
            const Token &key = next();
            if (key.kind != Token::Kind::Identifier)
                return invalid(key.position,
                               QStringLiteral("expected a key after '%1.'").arg(first.text));
            comparison.entity = *entity;
            comparison.key = key.text;
            // As in MLflow, only the first dot ends the prefix: tags.mlflow.parentRunId names the
            // tag mlflow.parentRunId.
            while (peek().kind == Token::Kind::Dot) {
                next();
                const Token &part = next();
                if (part.kind != Token::Kind::Identifier)
                    return invalid(part.position, QStringLiteral("expected a name after '.'"));
                comparison.key += QLatin1Char('.') + part.text;
            }
        } else {
            comparison.entity = Entity::Attribute;
            comparison.key = first.text;
        }
        if (comparison.entity == Entity::Attribute)
            comparison.key = comparison.key.toLower();

        const Token &op = next();
        if (op.kind == Token::Kind::Operator) {
            comparison.op = op.text;
        } else if (isWord(op, "like") || isWord(op, "ilike") || isWord(op, "in")) {
            comparison.op = op.text.toUpper();
        } else if (isWord(op, "not") && isWord(peek(), "in")) {
            next();
            comparison.op = QStringLiteral("NOT IN");
        } else {
            return invalid(op.position,
                           QStringLiteral("expected a comparison operator (=, !=, <, <=, >, >=, "
                                          "LIKE, ILIKE, IN, NOT IN), found '%1'")
                               .arg(op.text));
        }

        if (comparison.op == QLatin1String("IN") || comparison.op == QLatin1String("NOT IN")) {
            const Token &open = next();
            if (open.kind != Token::Kind::LeftParen)
                return invalid(open.position,
                               QStringLiteral("expected '(' after %1").arg(comparison.op));
            QStringList values;
            for (;;) {
                const Token &value = next();
                if (value.kind != Token::Kind::String)
                    return invalid(value.position,
                                   QStringLiteral("expected a quoted value in the list"));
                values.append(value.text);
                const Token &separator = next();
                if (separator.kind == Token::Kind::RightParen)
                    break;
                if (separator.kind != Token::Kind::Comma)
                    return invalid(separator.position, QStringLiteral("expected ',' or ')'"));
            }
            comparison.value = values;
            return comparison;
        }

        const Token &value = next();
        if (value.kind == Token::Kind::Number) {
            bool ok = false;
            const double number = value.text.toDouble(&ok);
            if (!ok)
                return invalid(value.position,
                               QStringLiteral("'%1' is not a number").arg(value.text));
            comparison.value = number;
        } else if (value.kind == Token::Kind::String
                   || (value.kind == Token::Kind::Identifier && value.quote == QLatin1Char('"'))) {
            // MLflow takes "double-quoted" values as well as 'single-quoted' ones.
            comparison.value = value.text;
        } else {
            return invalid(value.position,
                           value.kind == Token::Kind::End
                               ? QStringLiteral("expected a value, found the end")
                               : QStringLiteral("expected a number or a 'quoted' value, found '%1'")
                                     .arg(value.text));
        }
        return comparison;
    }

    QList<Token> m_tokens;
    qsizetype m_index = 0;
};

} // namespace

Result<std::shared_ptr<FilterNode>> parseFilter(const QString &filter)
{
    if (filter.trimmed().isEmpty())
        return std::shared_ptr<FilterNode>();
    auto tokens = tokenize(filter);
    if (!tokens)
        return tokens.error();
    return Parser(std::move(tokens).value()).parse();
}

Result<QList<OrderTerm>> parseOrderBy(const QStringList &clauses)
{
    QList<OrderTerm> terms;
    for (const QString &clause : clauses) {
        auto tokens = tokenize(clause);
        if (!tokens)
            return tokens.error();
        const QList<Token> &t = *tokens;
        OrderTerm term;
        qsizetype i = 0;
        if (t.at(i).kind != Token::Kind::Identifier)
            return fail(errorcode::kInvalidParameterValue,
                        QStringLiteral("Invalid order_by clause '%1'").arg(clause));
        if (t.at(i + 1).kind == Token::Kind::Dot) {
            const std::optional<Entity> entity = entityForPrefix(t.at(i).text);
            if (!entity || t.at(i + 2).kind != Token::Kind::Identifier)
                return fail(errorcode::kInvalidParameterValue,
                            QStringLiteral("Invalid order_by clause '%1'").arg(clause));
            term.entity = *entity;
            term.key = t.at(i + 2).text;
            i += 3;
            while (t.at(i).kind == Token::Kind::Dot
                   && t.at(i + 1).kind == Token::Kind::Identifier) {
                term.key += QLatin1Char('.') + t.at(i + 1).text;
                i += 2;
            }
        } else {
            term.key = t.at(i).text;
            ++i;
        }
        if (term.entity == Entity::Attribute)
            term.key = term.key.toLower();
        if (isWord(t.at(i), "asc")) {
            ++i;
        } else if (isWord(t.at(i), "desc")) {
            term.ascending = false;
            ++i;
        }
        if (t.at(i).kind != Token::Kind::End)
            return fail(errorcode::kInvalidParameterValue,
                        QStringLiteral("Invalid order_by clause '%1'").arg(clause));
        terms.append(term);
    }
    return terms;
}

QString makePageToken(qint64 offset)
{
    return QString::fromLatin1(QJsonDocument(QJsonObject{{QStringLiteral("offset"), offset}})
                                   .toJson(QJsonDocument::Compact)
                                   .toBase64());
}

Result<qint64> offsetFromPageToken(const QString &token)
{
    if (token.isEmpty())
        return qint64(0);
    const QJsonDocument document =
        QJsonDocument::fromJson(QByteArray::fromBase64(token.toLatin1()));
    const QJsonValue offset = document.object().value(QStringLiteral("offset"));
    if (!offset.isDouble() || offset.toDouble() < 0)
        return fail(errorcode::kInvalidParameterValue,
                    QStringLiteral("Invalid page token '%1'").arg(token));
    return qint64(offset.toDouble());
}

bool likeMatches(const QString &text, const QString &pattern, Qt::CaseSensitivity sensitivity)
{
    // Backtracking over the last '%' seen: linear for patterns with one '%', fine for the short
    // patterns of a search box.
    qsizetype t = 0, p = 0, starP = -1, starT = 0;
    const auto same = [sensitivity](QChar a, QChar b) {
        return sensitivity == Qt::CaseSensitive ? a == b : a.toCaseFolded() == b.toCaseFolded();
    };
    while (t < text.size()) {
        if (p < pattern.size() && pattern.at(p) == QLatin1Char('%')) {
            starP = p++;
            starT = t;
        } else if (p < pattern.size()
                   && (pattern.at(p) == QLatin1Char('_') || same(pattern.at(p), text.at(t)))) {
            ++p;
            ++t;
        } else if (starP >= 0) {
            p = starP + 1;
            t = ++starT;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern.at(p) == QLatin1Char('%'))
        ++p;
    return p == pattern.size();
}

} // namespace millrace::tracking
