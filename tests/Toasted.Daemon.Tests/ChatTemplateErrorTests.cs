using NUnit.Framework;
using Toasted.Engine.Gguf;
using Toasted.Protocol;
using Toasted.Protocol.Messages;
using Toasted.Tests.Shared;

namespace Toasted.Daemon.Tests;

/// <summary>
/// A model whose chat template raises on the conversation: the real daemon answers the request with
/// <c>invalid_request</c> carrying the template's own message, and keeps serving (a raw prompt still runs).
/// </summary>
public class ChatTemplateErrorTests
{
    private const string Refusal = "conversations must start with a user turn";

    [Test]
    public async Task A_template_that_raises_fails_the_request_not_the_daemon()
    {
        var source = SharedKit.Require(StoriesGolden.ModelFile);
        var folder = Directory.CreateTempSubdirectory("toasted-template-");
        try
        {
            var model = Path.Combine(folder.FullName, "raising-template.gguf");
            var writer = new GgufWriter();
            using (var file = GgufFile.Open(source))
            {
                foreach (var (key, value) in file.Metadata.Values) writer.Set(key, value);
                foreach (var tensor in file.Tensors)
                    writer.AddTensor(tensor.Name, tensor.Type, tensor.Dimensions, file.GetTensorBytes(tensor).ToArray());
            }
            writer.Set(GgufKeys.ChatTemplate, "{% if messages[0]['role'] != 'user' %}{{ raise_exception('" + Refusal + "') }}{% endif %}"
                + "{% for m in messages %}{{ m['content'] }}{% endfor %}");
            writer.Write(model);

            await using var daemon = await DaemonProcess.StartAsync(model, ["--threads", "1"]);
            await using var connection = await Toasted.Protocol.Client.ToastedConnection.ConnectAsync(daemon.SocketPath, CancellationToken.None);
            var refused = await Exchange.RunAsync(connection, new GenerateRequest
            {
                Id = "g1",
                Messages = [new() { Role = "assistant", Content = "Once upon a time" }],
                MaxTokens = 4,
            });
            var error = refused.Final as ErrorFrame;
            Assert.That(error, Is.Not.Null, refused.Describe());
            Assert.That(error!.Code, Is.EqualTo(ErrorCodes.InvalidRequest));
            Assert.That(error.Message, Does.Contain(Refusal));

            var served = await Exchange.RunAsync(connection, new GenerateRequest
            {
                Id = "g2",
                Messages = [new() { Role = "user", Content = "Once upon a time" }],
                MaxTokens = 4,
            });
            Assert.That(served.Final, Is.InstanceOf<DoneFrame>(), served.Describe());
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
