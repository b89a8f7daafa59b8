using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Backprop.Generated.TestSupport;
using Xunit;

namespace Backprop.Generated.Samples.Tests;

/// <summary>samples/Regression run as a user runs it: <c>dotnet Regression.dll</c>, on the embedded data and on CSV files of its own.</summary>
public sealed partial class RegressionCommandLineTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("regression-command-line-tests-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task The_default_run_beats_the_linear_models_R2_on_its_split_and_ends_with_r2_and_rmse()
    {
        ChildProcess.Result result = await Run("--save", "diabetes.bpnet");

        Assert.True(result.ExitCode == 0 && result.Stderr.Length == 0, result.ToString());
        string last = result.Stdout.TrimEnd().Split('\n')[^1].TrimEnd('\r');
        Match match = LastLine().Match(last);
        Assert.True(match.Success, $"last line '{last}'\n{result}");
        double r2 = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        // scikit-learn's LinearRegression on the same split (seed 1): R² 0.4322 (see docs/reference.md, "Regression").
        Assert.True(r2 >= 0.4322, $"R² {r2} is below the linear model's 0.4322\n{result}");
        Assert.Contains("354 training rows, 88 test rows", result.Stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_folder, "diabetes.bpnet")), result.ToString());
    }

    [Fact]
    public async Task Files_of_your_own_train_and_test_a_known_linear_function_to_a_tight_fit()
    {
        // y = 3 + Σ_j (j + 1)·x_j over ten features in [0, 1): a network with an identity output fits it closely.
        var random = new Random(7);
        string Table(int rows)
        {
            var text = new StringBuilder("a,b,c,d,e,f,g,h,i,j,y\n");
            for (int r = 0; r < rows; r++)
            {
                double[] x = [.. Enumerable.Range(0, 10).Select(_ => random.NextDouble())];
                double y = 3 + x.Select((v, j) => (j + 1) * v).Sum();
                text.Append(string.Join(',', x.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))).Append(',').Append(y.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
            }
            return text.ToString();
        }
        File.WriteAllText(Path.Combine(_folder, "train.csv"), Table(400));
        File.WriteAllText(Path.Combine(_folder, "test.csv"), Table(100));

        ChildProcess.Result result = await Run("--train", "train.csv", "--test", "test.csv", "--target", "y", "--lambda", "0", "--epochs", "300");

        Assert.True(result.ExitCode == 0, result.ToString());
        double r2 = double.Parse(LastLine().Match(result.Stdout.TrimEnd().Split('\n')[^1].TrimEnd('\r')).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(r2 > 0.99, $"R² {r2}\n{result}");
    }

    [Fact]
    public async Task A_bad_CSV_is_one_line_naming_the_file_line_and_column()
    {
        File.WriteAllText(Path.Combine(_folder, "bad.csv"), "a,b,c,d,e,f,g,h,i,j,y\n1,2,3,4,5,6,7,8,9,10,11\n1,2,3,x,5,6,7,8,9,10,11\n");

        ChildProcess.Result result = await Run("--train", "bad.csv", "--target", "y");

        Assert.Equal(1, result.ExitCode);
        string error = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
        Assert.Contains("bad.csv", error, StringComparison.Ordinal);
        Assert.Contains("line 3", error, StringComparison.Ordinal);
        Assert.Contains("'d'", error, StringComparison.Ordinal);

        ChildProcess.Result missing = await Run("--train", "bad.csv", "--target", "z");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("'z'", missing.Stderr, StringComparison.Ordinal);

        ChildProcess.Result usage = await Run("--epochs", "0");
        Assert.Equal(2, usage.ExitCode);
        Assert.EndsWith("(see --help)", usage.Stderr.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_lists_every_option()
    {
        ChildProcess.Result result = await Run("--help");

        Assert.Equal(0, result.ExitCode);
        foreach (string flag in new[] { "--train", "--test", "--target", "--epochs", "--batch", "--eta", "--lambda", "--optimizer", "--seed", "--save", "--help" })
        {
            Assert.Contains("  " + flag, result.Stdout, StringComparison.Ordinal);
        }
    }

    private Task<ChildProcess.Result> Run(params string[] arguments) => SampleProcess.Run("Regression.dll", _folder, arguments);

    [GeneratedRegex(@"^r2: (-?\d\.\d{4})  rmse: \d+\.\d{3}$")]
    private static partial Regex LastLine();
}
