using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Backprop.Generated.Generator.Tests.Infrastructure;

/// <summary>The measures of one method body that decide whether the JIT optimises it.</summary>
internal sealed record MethodMeasure(string Type, string Method, int IlBytes, int Instructions, int Locals, int BasicBlocks, int LocalReferences)
{
    public string Name => $"{Type}.{Method}";
}

/// <summary>
/// Reads an assembly's method bodies with System.Reflection.Metadata and counts what the JIT counts
/// before it gives up optimising ("switched to MinOpts"): IL bytes, IL instructions, locals, basic
/// blocks and local references.
/// </summary>
internal static class IlInspector
{
    private static readonly OpCode?[] OneByte = new OpCode?[256];
    private static readonly OpCode?[] TwoByte = new OpCode?[256];

#pragma warning disable CA1810 // The table is built once from OpCodes' fields, which needs statements.
    static IlInspector()
#pragma warning restore CA1810
    {
        foreach (FieldInfo field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            if (field.GetValue(null) is OpCode code)
            {
                ushort value = unchecked((ushort)code.Value);
                if (code.Size == 1)
                {
                    OneByte[value] = code;
                }
                else
                {
                    TwoByte[value & 0xFF] = code;
                }
            }
        }
    }

    /// <summary>Every method with a body in the type <paramref name="typeName"/> (metadata name, e.g. <c>Ns.Outer+Net</c>) and its nested types.</summary>
    public static IReadOnlyList<MethodMeasure> Measure(byte[] image, string typeName) =>
        Measure(image, name => name == typeName || name.StartsWith(typeName + "+", StringComparison.Ordinal));

    /// <summary>Every method body of the types whose full metadata names <paramref name="include"/> accepts.</summary>
    public static IReadOnlyList<MethodMeasure> Measure(byte[] image, Func<string, bool> include)
    {
        using var pe = new PEReader(ImmutableArray.Create(image));
        MetadataReader metadata = pe.GetMetadataReader();
        var measures = new List<MethodMeasure>();
        foreach (TypeDefinitionHandle typeHandle in metadata.TypeDefinitions)
        {
            string name = FullName(metadata, metadata.GetTypeDefinition(typeHandle));
            if (!include(name))
            {
                continue;
            }
            foreach (MethodDefinitionHandle methodHandle in metadata.GetTypeDefinition(typeHandle).GetMethods())
            {
                MethodDefinition method = metadata.GetMethodDefinition(methodHandle);
                if (method.RelativeVirtualAddress == 0)
                {
                    continue;
                }
                MethodBodyBlock body = pe.GetMethodBody(method.RelativeVirtualAddress);
                measures.Add(Measure(metadata, body, name, metadata.GetString(method.Name)));
            }
        }
        return measures;
    }

    public static MethodMeasure Measure(MetadataReader metadata, MethodBodyBlock body, string type, string method)
    {
        byte[] il = body.GetILBytes() ?? Array.Empty<byte>();
        (int instructions, int blocks, int localReferences) = Decode(il, body.ExceptionRegions);
        int locals = 0;
        if (!body.LocalSignature.IsNil)
        {
            BlobReader signature = metadata.GetBlobReader(metadata.GetStandaloneSignature(body.LocalSignature).Signature);
            if (signature.ReadSignatureHeader().Kind != SignatureKind.LocalVariables)
            {
                throw new InvalidDataException($"{type}.{method}: the local signature is not a LOCAL_SIG.");
            }
            locals = signature.ReadCompressedInteger();
        }
        return new MethodMeasure(type, method, il.Length, instructions, locals, blocks, localReferences);
    }

    /// <summary>
    /// Counts instructions, basic blocks (leaders: the entry, branch targets, what follows a branch,
    /// handlers) and local references (ldloc, ldloca and stloc in all their forms).
    /// </summary>
    public static (int Instructions, int BasicBlocks, int LocalReferences) Decode(byte[] il, ImmutableArray<ExceptionRegion> regions = default)
    {
        var leaders = new HashSet<int> { 0 };
        if (!regions.IsDefault)
        {
            foreach (ExceptionRegion region in regions)
            {
                leaders.Add(region.TryOffset);
                leaders.Add(region.HandlerOffset);
                if (region.Kind == ExceptionRegionKind.Filter)
                {
                    leaders.Add(region.FilterOffset);
                }
            }
        }

        int count = 0, localReferences = 0, offset = 0;
        while (offset < il.Length)
        {
            OpCode code = il[offset] == 0xFE
                ? TwoByte[il[offset + 1]] ?? throw new InvalidDataException($"Unknown opcode FE {il[offset + 1]:X2} at IL_{offset:X4}.")
                : OneByte[il[offset]] ?? throw new InvalidDataException($"Unknown opcode {il[offset]:X2} at IL_{offset:X4}.");
            int operand = offset + code.Size;
            int next;
            var targets = new List<int>();
            switch (code.OperandType)
            {
                case OperandType.InlineNone:
                    next = operand;
                    break;
                case OperandType.ShortInlineBrTarget:
                    next = operand + 1;
                    targets.Add(next + (sbyte)il[operand]);
                    break;
                case OperandType.InlineBrTarget:
                    next = operand + 4;
                    targets.Add(next + BitConverter.ToInt32(il, operand));
                    break;
                case OperandType.InlineSwitch:
                    int cases = BitConverter.ToInt32(il, operand);
                    next = operand + 4 + 4 * cases;
                    for (int i = 0; i < cases; i++)
                    {
                        targets.Add(next + BitConverter.ToInt32(il, operand + 4 + 4 * i));
                    }
                    break;
                case OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    next = operand + 1;
                    break;
                case OperandType.InlineVar:
                    next = operand + 2;
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    next = operand + 8;
                    break;
                default: // InlineI, ShortInlineR, InlineField, InlineMethod, InlineSig, InlineString, InlineTok, InlineType
                    next = operand + 4;
                    break;
            }
            leaders.UnionWith(targets);
            if (code.FlowControl is FlowControl.Branch or FlowControl.Cond_Branch or FlowControl.Return or FlowControl.Throw)
            {
                leaders.Add(next);
            }
            if (code.Name is { } name && (name.StartsWith("ldloc", StringComparison.Ordinal) || name.StartsWith("stloc", StringComparison.Ordinal)))
            {
                localReferences++;
            }
            count++;
            offset = next;
        }
        if (offset != il.Length)
        {
            throw new InvalidDataException($"The last instruction runs past the end of the IL ({offset} > {il.Length}).");
        }
        return (count, leaders.Count(leader => leader < il.Length), localReferences);
    }

    private static string FullName(MetadataReader metadata, TypeDefinition type)
    {
        string name = metadata.GetString(type.Name);
        TypeDefinitionHandle declaring = type.GetDeclaringType();
        if (!declaring.IsNil)
        {
            return FullName(metadata, metadata.GetTypeDefinition(declaring)) + "+" + name;
        }
        string ns = metadata.GetString(type.Namespace);
        return ns.Length == 0 ? name : ns + "." + name;
    }
}
