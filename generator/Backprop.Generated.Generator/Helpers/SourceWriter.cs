using System;
using System.Text;

namespace Backprop.Generated.Generator.Helpers;

/// <summary>An indenting text builder for emitted C# (four spaces, '\n' line ends on every OS).</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _builder = new();
    private int _indent;

    public SourceWriter Line(string text = "")
    {
        if (text.Length > 0)
        {
            _builder.Append(' ', _indent * 4);
            _builder.Append(text);
        }
        _builder.Append('\n');
        return this;
    }

    /// <summary>Writes <c>text</c>, then <c>{</c>, and indents until the returned scope ends.</summary>
    public Scope Block(string text)
    {
        Line(text);
        return Open();
    }

    public Scope Open(string closing = "}")
    {
        Line("{");
        _indent++;
        return new Scope(this, closing);
    }

    public void Close(string closing)
    {
        // No blank line just before a closing brace.
        if (_builder.Length >= 2 && _builder[_builder.Length - 1] == '\n' && _builder[_builder.Length - 2] == '\n')
        {
            _builder.Length--;
        }
        _indent--;
        Line(closing);
    }

    public override string ToString() => _builder.ToString();

    internal readonly struct Scope : IDisposable
    {
        private readonly SourceWriter _writer;
        private readonly string _closing;

        public Scope(SourceWriter writer, string closing)
        {
            _writer = writer;
            _closing = closing;
        }

        public void Dispose() => _writer.Close(_closing);
    }
}
