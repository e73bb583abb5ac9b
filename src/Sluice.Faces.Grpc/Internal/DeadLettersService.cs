using Grpc.Core;
using Sluice.Grpc;
using Sluice.Grpc.V1;
using static Sluice.Faces.Grpc.GrpcErrors;

namespace Sluice.Faces.Grpc.Internal;

/// <summary>sluice.v1.DeadLetters: dead-letter groups and bulk group actions (with dry run), translated onto the broker.</summary>
internal sealed class DeadLettersService(global::Sluice.Broker broker) : Sluice.Grpc.V1.DeadLetters.DeadLettersBase
{
    public override async Task<Sluice.Grpc.V1.DeadLetterGroupList> ListGroups(ListDeadLetterGroupsRequest request, ServerCallContext context) =>
        GrpcConvert.ToProto(await broker.GetDeadLetterGroupsAsync(Required(request.Queue, "queue"), request.HasMaxGroups ? request.MaxGroups : 100,
            context.CancellationToken).ConfigureAwait(false));

    public override async Task<Sluice.Grpc.V1.DeadLetterGroupActionResult> RedriveGroup(RedriveDeadLetterGroupRequest request, ServerCallContext context) =>
        GrpcConvert.ToProto(await broker.RedriveDeadLetterGroupAsync(Required(request.Queue, "queue"), Required(request.GroupId, "group_id"),
            request.HasDestination ? request.Destination : null, request.HasMaxPerSecond ? request.MaxPerSecond : 100, request.DryRun,
            context.CancellationToken).ConfigureAwait(false));

    public override async Task<Sluice.Grpc.V1.DeadLetterGroupActionResult> DeleteGroup(DeleteDeadLetterGroupRequest request, ServerCallContext context) =>
        GrpcConvert.ToProto(await broker.DeleteDeadLetterGroupAsync(Required(request.Queue, "queue"), Required(request.GroupId, "group_id"), request.DryRun,
            context.CancellationToken).ConfigureAwait(false));

    public override async Task<Sluice.Grpc.V1.DeadLetterGroupActionResult> MoveGroup(MoveDeadLetterGroupRequest request, ServerCallContext context) =>
        GrpcConvert.ToProto(await broker.MoveDeadLetterGroupAsync(Required(request.Queue, "queue"), Required(request.GroupId, "group_id"),
            Required(request.Destination, "destination"), request.DryRun, context.CancellationToken).ConfigureAwait(false));
}
