using System;
using System.IO;
using System.Linq;
using Backprop;
using Backprop.Generated.Tests.SerializationNetworks;
using Xunit;

namespace Backprop.Generated.Tests;

/// <summary>
/// <see cref="ModelData"/>: a model without a network type, as converters and the backprop tool handle it. It must
/// write the same bytes as the generated network it came from, read back whatever a network reads, and refuse what
/// no network can be.
/// </summary>
public sealed class ModelDataTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("bpg-modeldata-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => Path.Combine(_folder, name);

    [Fact]
    public void A_network_and_its_model_data_write_the_same_bytes_and_text()
    {
        var net = EveryActivationNet.Create(seed: 7);
        ModelData model = ModelData.From(net);

        NetworkSerializer.Save(net, PathOf("net.bpnet"));
        NetworkSerializer.Save(model, PathOf("model.bpnet"));
        Assert.Equal(File.ReadAllBytes(PathOf("net.bpnet")), File.ReadAllBytes(PathOf("model.bpnet")));

        NetworkSerializer.SaveBase64(net, PathOf("net.bpnet.b64"));
        NetworkSerializer.SaveBase64(model, PathOf("model.bpnet.b64"));
        Assert.Equal(File.ReadAllText(PathOf("net.bpnet.b64")), File.ReadAllText(PathOf("model.bpnet.b64")));
        Assert.Equal(File.ReadAllText(PathOf("net.bpnet.b64")), NetworkSerializer.ToBase64(model));
    }

    [Fact]
    public void ReadModel_gives_back_sizes_functions_and_every_parameter_bit_for_bit()
    {
        var net = ReluSoftmaxQuadraticNet.Create(seed: 3);
        NetworkSerializer.Save(net, PathOf("m.bpnet"));

        ModelData model = NetworkSerializer.ReadModel(PathOf("m.bpnet"));
        Assert.Equal([5, 7, 3], model.LayerSizes);
        Assert.Equal([ActivationKind.ReLU, ActivationKind.Softmax], model.Activations);
        Assert.Equal(CostKind.Quadratic, model.Cost);
        Assert.Equal(ReluSoftmaxQuadraticNet.ParameterCount, model.ParameterCount);
        Assert.Equal(SessionKit.Bits(net.Parameters), SessionKit.Bits(model.Parameters));

        // And it loads into the network it names.
        var loaded = ReluSoftmaxQuadraticNet.Create();
        NetworkSerializer.Save(model, PathOf("again.bpnet"));
        NetworkSerializer.LoadInto(loaded, PathOf("again.bpnet"));
        Assert.Equal(SessionKit.Bits(net.Parameters), SessionKit.Bits(loaded.Parameters));
    }

    [Fact]
    public void Weights_and_Biases_are_each_layers_part_of_the_parameters()
    {
        var net = MixedNet.Create(seed: 1);   // 3-5-4-2
        ModelData model = ModelData.From(net);
        float[] all = net.Parameters.ToArray();

        Assert.Equal(all[..15], model.Weights(2).ToArray());          // w² [5, 3]
        Assert.Equal(all[15..20], model.Biases(2).ToArray());         // b² [5]
        Assert.Equal(all[20..40], model.Weights(3).ToArray());        // w³ [4, 5]
        Assert.Equal(all[40..44], model.Biases(3).ToArray());         // b³ [4]
        Assert.Equal(all[44..52], model.Weights(4).ToArray());        // w⁴ [2, 4]
        Assert.Equal(all[52..54], model.Biases(4).ToArray());         // b⁴ [2]
        Assert.Equal(54, model.ParameterCount);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Weights(1).Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Biases(5).Length);
    }

    [Fact]
    public void ReadModel_of_a_checkpoint_gives_its_model_and_checks_its_training_state()
    {
        Dataset data = SessionKit.RandomData(40, 5, 3, seed: 2);
        using var session = new TrainingSession<ReluSoftmaxNet>(ReluSoftmaxNet.Create(seed: 2), data,
            new TrainingOptions { Epochs = 2, MiniBatchSize = 4, LearningRate = 0.1, Optimizer = new Adam() });
        session.RunEpoch();
        session.SaveCheckpoint(PathOf("c.bpnet"));

        ModelData model = NetworkSerializer.ReadModel(PathOf("c.bpnet"));
        Assert.Equal(SessionKit.Bits(session.Network.Parameters), SessionKit.Bits(model.Parameters));

        byte[] bytes = File.ReadAllBytes(PathOf("c.bpnet"));
        bytes[^2] ^= 0x01;   // inside the training-state section's CRC-32
        File.WriteAllBytes(PathOf("damaged.bpnet"), bytes);
        var error = Assert.Throws<ModelFormatException>(() => NetworkSerializer.ReadModel(PathOf("damaged.bpnet")));
        Assert.Equal(ModelFormatError.InvalidTrainingState, error.Reason);
    }

    [Fact]
    public void ReadModel_names_the_file_and_the_problem()
    {
        var net = TanhIdentityNet.Create(seed: 1);
        NetworkSerializer.Save(net, PathOf("m.bpnet"));
        byte[] bytes = File.ReadAllBytes(PathOf("m.bpnet"));

        File.WriteAllBytes(PathOf("cut.bpnet"), bytes[..^9]);
        var cut = Assert.Throws<ModelFormatException>(() => NetworkSerializer.ReadModel(PathOf("cut.bpnet")));
        Assert.Equal(ModelFormatError.Truncated, cut.Reason);
        Assert.Contains("cut.bpnet", cut.Message, StringComparison.Ordinal);

        bytes[^10] ^= 0x10;
        File.WriteAllBytes(PathOf("flipped.bpnet"), bytes);
        var flipped = Assert.Throws<ModelFormatException>(() => NetworkSerializer.ReadModel(PathOf("flipped.bpnet")));
        Assert.Equal(ModelFormatError.ChecksumMismatch, flipped.Reason);

        Assert.Throws<FileNotFoundException>(() => NetworkSerializer.ReadModel(PathOf("missing.bpnet")));
    }

    [Fact]
    public void The_cost_defaults_to_the_outputs_natural_pair()
    {
        Assert.Equal(CostKind.CrossEntropy, Model([2, 1], [ActivationKind.Sigmoid]).Cost);
        Assert.Equal(CostKind.LogLikelihood, Model([2, 3], [ActivationKind.Softmax]).Cost);
        Assert.Equal(CostKind.Quadratic, Model([2, 3, 1], [ActivationKind.ReLU, ActivationKind.Identity]).Cost);
        Assert.Equal(CostKind.Quadratic, Model([2, 3], [ActivationKind.Tanh]).Cost);
    }

    [Theory]
    [InlineData(new[] { 4 }, new ActivationKind[0], "has 1 layers; a network has 2 to 32")]
    [InlineData(new[] { 4, 0, 2 }, new[] { ActivationKind.ReLU, ActivationKind.Sigmoid }, "gives layer 2 a size of 0")]
    [InlineData(new[] { 4, 3, 2 }, new[] { ActivationKind.ReLU }, "needs one per layer after the input (2)")]
    [InlineData(new[] { 4, 3, 2 }, new[] { ActivationKind.Softmax, ActivationKind.Sigmoid }, "softmax is an output activation only")]
    [InlineData(new[] { 4, 3, 2 }, new[] { ActivationKind.ReLU, (ActivationKind)9 }, "not an ActivationKind")]
    public void Sizes_and_functions_no_network_has_are_refused(int[] sizes, ActivationKind[] activations, string message)
    {
        long count = 0;
        for (int l = 1; l < sizes.Length; l++)
        {
            count += (long)Math.Max(sizes[l], 0) * Math.Max(sizes[l - 1], 0) + Math.Max(sizes[l], 0);
        }
        var error = Assert.Throws<ArgumentException>(() => new ModelData(sizes, activations, null, new float[count]));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cost_the_output_cannot_have_and_a_wrong_parameter_count_are_refused()
    {
        var cost = Assert.Throws<ArgumentException>(() => new ModelData([2, 3], [ActivationKind.ReLU], CostKind.CrossEntropy, new float[9]));
        Assert.Contains("cross-entropy needs a sigmoid output", cost.Message, StringComparison.Ordinal);
        var count = Assert.Throws<ArgumentException>(() => new ModelData([2, 3], [ActivationKind.ReLU], null, new float[8]));
        Assert.Contains("2-3 network has 9 parameters, not 8", count.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_parameters_are_copied_in_so_the_caller_cannot_change_the_model()
    {
        var parameters = new float[9];
        var model = new ModelData([2, 3], [ActivationKind.ReLU], null, parameters);
        parameters[0] = 42;
        Assert.Equal(0, model.Parameters[0]);
    }

    [Theory]
    [InlineData(new[] { 784, 30, 10 }, new[] { ActivationKind.Sigmoid, ActivationKind.Sigmoid }, null,
        "[Network(784, 30, 10)]")]
    [InlineData(new[] { 784, 100, 10 }, new[] { ActivationKind.ReLU, ActivationKind.Softmax }, null,
        "[Network(784, 100, 10, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Softmax)]")]
    [InlineData(new[] { 784, 100, 10 }, new[] { ActivationKind.ReLU, ActivationKind.Softmax }, CostKind.Quadratic,
        "[Network(784, 100, 10, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Softmax, Cost = CostKind.Quadratic)]")]
    [InlineData(new[] { 3, 5, 4, 2 }, new[] { ActivationKind.LeakyReLU, ActivationKind.Tanh, ActivationKind.Sigmoid }, null,
        "[Network(3, 5, 4, 2, Activations = new[] { ActivationKind.LeakyReLU, ActivationKind.Tanh, ActivationKind.Sigmoid })]")]
    [InlineData(new[] { 10, 32, 1 }, new[] { ActivationKind.ReLU, ActivationKind.Identity }, null,
        "[Network(10, 32, 1, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Identity)]")]
    [InlineData(new[] { 3, 2 }, new[] { ActivationKind.Tanh }, null,
        "[Network(3, 2, OutputActivation = ActivationKind.Tanh)]")]
    [InlineData(new[] { 3, 4, 2 }, new[] { ActivationKind.Sigmoid, ActivationKind.Softmax }, null,
        "[Network(3, 4, 2, OutputActivation = ActivationKind.Softmax)]")]
    public void NetworkDeclaration_is_the_attribute_that_declares_the_network(int[] sizes, ActivationKind[] activations, CostKind? cost, string expected)
    {
        ModelData model = Model(sizes, activations, cost);
        Assert.Equal(expected, model.NetworkDeclaration);
    }

    [Fact]
    public void NetworkDeclaration_of_every_generated_test_network_is_its_own_attribute()
    {
        // The generated networks' sizes and functions, read back through the declaration's own words.
        Assert.Equal("[Network(5, 7, 3, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Softmax)]",
            ModelData.From(ReluSoftmaxNet.Create()).NetworkDeclaration);
        Assert.Equal("[Network(4, 5, 6, 5, 4, 3, Activations = new[] { ActivationKind.ReLU, ActivationKind.LeakyReLU, ActivationKind.Tanh, ActivationKind.Identity, ActivationKind.Softmax })]",
            ModelData.From(EveryActivationNet.Create()).NetworkDeclaration);
        Assert.Equal("[Network(784, 30, 10, Cost = CostKind.Quadratic)]", ModelData.From(DigitNetQuadratic.Create()).NetworkDeclaration);
    }

    private static ModelData Model(int[] sizes, ActivationKind[] activations, CostKind? cost = null)
    {
        long count = 0;
        for (int l = 1; l < sizes.Length; l++)
        {
            count += (long)sizes[l] * sizes[l - 1] + sizes[l];
        }
        return new ModelData(sizes, activations, cost, new float[count]);
    }
}
